namespace OpenMsiStream.Diagnostics
{
    /// <summary>
    /// The stable error ids, each declared here once with its kind: the kind decides the CLI's exit code
    /// and the PowerShell error category, so every place that reports an id reports it the same way.
    /// Documented in the README; never rename one.
    /// </summary>
    public static class ErrorIds
    {
        public static readonly ErrorId InvalidChunkSize = new ErrorId("InvalidChunkSize", ErrorKind.InvalidArgument);
        public static readonly ErrorId InvalidTopicName = new ErrorId("InvalidTopicName", ErrorKind.InvalidArgument);
        public static readonly ErrorId InvalidArgument = new ErrorId("InvalidArgument", ErrorKind.InvalidArgument);
        public static readonly ErrorId ConfigFileNotFound = new ErrorId("ConfigFileNotFound", ErrorKind.ObjectNotFound);
        public static readonly ErrorId ConfigFileInvalid = new ErrorId("ConfigFileInvalid", ErrorKind.InvalidConfiguration);
        public static readonly ErrorId ConfigUnknownSection = new ErrorId("ConfigUnknownSection", ErrorKind.InvalidConfiguration);
        public static readonly ErrorId ConfigUnsetVariable = new ErrorId("ConfigUnsetVariable", ErrorKind.InvalidConfiguration);
        public static readonly ErrorId ConfigInvalidProperty = new ErrorId("ConfigInvalidProperty", ErrorKind.InvalidConfiguration);
        public static readonly ErrorId NoBrokerSpecified = new ErrorId("NoBrokerSpecified", ErrorKind.InvalidArgument);
        public static readonly ErrorId BrokerUnreachable = new ErrorId("BrokerUnreachable", ErrorKind.ConnectionError);
        public static readonly ErrorId AuthenticationFailed = new ErrorId("AuthenticationFailed", ErrorKind.AuthenticationError);
        public static readonly ErrorId TopicNotFound = new ErrorId("TopicNotFound", ErrorKind.ObjectNotFound);
        public static readonly ErrorId FileNotFound = new ErrorId("FileNotFound", ErrorKind.ObjectNotFound);
        public static readonly ErrorId FileUnreadable = new ErrorId("FileUnreadable", ErrorKind.ReadError);
        public static readonly ErrorId FileOutsideRootDirectory = new ErrorId("FileOutsideRootDirectory", ErrorKind.InvalidArgument);
        public static readonly ErrorId FileChangedDuringSend = new ErrorId("FileChangedDuringSend", ErrorKind.ReadError);
        public static readonly ErrorId MessageTooLarge = new ErrorId("MessageTooLarge", ErrorKind.InvalidArgument);
        public static readonly ErrorId DeliveryFailed = new ErrorId("DeliveryFailed", ErrorKind.ConnectionError);
        public static readonly ErrorId UndecodableMessage = new ErrorId("UndecodableMessage", ErrorKind.InvalidData);
        public static readonly ErrorId CorruptChunk = new ErrorId("CorruptChunk", ErrorKind.InvalidData);
        public static readonly ErrorId InconsistentChunks = new ErrorId("InconsistentChunks", ErrorKind.InvalidData);
        public static readonly ErrorId HashMismatch = new ErrorId("HashMismatch", ErrorKind.InvalidData);
        public static readonly ErrorId UnsafePath = new ErrorId("UnsafePath", ErrorKind.InvalidData);
        public static readonly ErrorId FileTooLargeForMemory = new ErrorId("FileTooLargeForMemory", ErrorKind.InvalidArgument);
        public static readonly ErrorId OutputWriteFailed = new ErrorId("OutputWriteFailed", ErrorKind.WriteError);
        public static readonly ErrorId StateDirectoryUnusable = new ErrorId("StateDirectoryUnusable", ErrorKind.WriteError);
        public static readonly ErrorId FileSystemError = new ErrorId("FileSystemError", ErrorKind.WriteError);
        public static readonly ErrorId Unexpected = new ErrorId("Unexpected", ErrorKind.InvalidOperation);
        public static readonly ErrorId OutputPathConflict = new ErrorId("OutputPathConflict", ErrorKind.WriteError);
        public static readonly ErrorId IncompleteFileAbandoned = new ErrorId("IncompleteFileAbandoned", ErrorKind.OperationTimeout);
        public static readonly ErrorId LocalBrokerAlreadyRunning = new ErrorId("LocalBrokerAlreadyRunning", ErrorKind.InvalidOperation);
        public static readonly ErrorId LocalBrokerNotRunning = new ErrorId("LocalBrokerNotRunning", ErrorKind.InvalidOperation);
        public static readonly ErrorId LocalBrokerStartFailed = new ErrorId("LocalBrokerStartFailed", ErrorKind.InvalidOperation);
        public static readonly ErrorId ConsumerFailed = new ErrorId("ConsumerFailed", ErrorKind.InvalidOperation);
        public static readonly ErrorId StateDirectoryInUse = new ErrorId("StateDirectoryInUse", ErrorKind.InvalidOperation);
        public static readonly ErrorId ServiceNotFound = new ErrorId("ServiceNotFound", ErrorKind.ObjectNotFound);
        public static readonly ErrorId ServiceAlreadyExists = new ErrorId("ServiceAlreadyExists", ErrorKind.InvalidOperation);
        public static readonly ErrorId ServiceCommandFailed = new ErrorId("ServiceCommandFailed", ErrorKind.InvalidOperation);
        public static readonly ErrorId ServiceVariableUnset = new ErrorId("ServiceVariableUnset", ErrorKind.InvalidArgument);
        public static readonly ErrorId ServiceNotSupported = new ErrorId("ServiceNotSupported", ErrorKind.InvalidOperation);
        public static readonly ErrorId ServiceCommandUnsupported = new ErrorId("ServiceCommandUnsupported", ErrorKind.InvalidArgument);
        public static readonly ErrorId ProcessingFailed = new ErrorId("ProcessingFailed", ErrorKind.InvalidOperation);
        public static readonly ErrorId ProcessingTimedOut = new ErrorId("ProcessingTimedOut", ErrorKind.OperationTimeout);
        public static readonly ErrorId ProcessingContentMissing = new ErrorId("ProcessingContentMissing", ErrorKind.ObjectNotFound);
        public static readonly ErrorId ResultNotProduced = new ErrorId("ResultNotProduced", ErrorKind.ConnectionError);
        public static readonly ErrorId ResultNotSerializable = new ErrorId("ResultNotSerializable", ErrorKind.InvalidData);
        public static readonly ErrorId CommandNotFound = new ErrorId("CommandNotFound", ErrorKind.ObjectNotFound);
        public static readonly ErrorId InvalidBucketName = new ErrorId("InvalidBucketName", ErrorKind.InvalidArgument);
        public static readonly ErrorId S3TransferFailed = new ErrorId("S3TransferFailed", ErrorKind.ConnectionError);
        public static readonly ErrorId S3IntegrityMismatch = new ErrorId("S3IntegrityMismatch", ErrorKind.InvalidData);
        public static readonly ErrorId S3AccessDenied = new ErrorId("S3AccessDenied", ErrorKind.AuthenticationError);
        public static readonly ErrorId S3BucketNotFound = new ErrorId("S3BucketNotFound", ErrorKind.ObjectNotFound);
        public static readonly ErrorId InvalidHeartbeat = new ErrorId("InvalidHeartbeat", ErrorKind.InvalidData);
        public static readonly ErrorId CryptoNodeNotFound = new ErrorId("CryptoNodeNotFound", ErrorKind.ObjectNotFound);
        public static readonly ErrorId CryptoNodeInvalid = new ErrorId("CryptoNodeInvalid", ErrorKind.InvalidConfiguration);
        public static readonly ErrorId CryptoUnsupported = new ErrorId("CryptoUnsupported", ErrorKind.InvalidData);
        public static readonly ErrorId CryptoNodeInUse = new ErrorId("CryptoNodeInUse", ErrorKind.InvalidOperation);
        public static readonly ErrorId CryptoProvisioningFailed = new ErrorId("CryptoProvisioningFailed", ErrorKind.InvalidArgument);
        public static readonly ErrorId UndecryptableMessage = new ErrorId("UndecryptableMessage", ErrorKind.InvalidData);
        public static readonly ErrorId MetadataUnsupported = new ErrorId("MetadataUnsupported", ErrorKind.InvalidArgument);
        public static readonly ErrorId ConsumerGroupsUnlisted = new ErrorId("ConsumerGroupsUnlisted", ErrorKind.InvalidOperation);
        public static readonly ErrorId NoConsumerGroup = new ErrorId("NoConsumerGroup", ErrorKind.InvalidArgument);
        public static readonly ErrorId MetricsPortInUse = new ErrorId("MetricsPortInUse", ErrorKind.InvalidOperation);
        public static readonly ErrorId MetricsServerFailed = new ErrorId("MetricsServerFailed", ErrorKind.InvalidOperation);
        public static readonly ErrorId StaticMemberFenced = new ErrorId("StaticMemberFenced", ErrorKind.InvalidOperation);
        public static readonly ErrorId ExactlyOnceUnavailable = new ErrorId("ExactlyOnceUnavailable", ErrorKind.InvalidOperation);
        public static readonly ErrorId ProcessorFenced = new ErrorId("ProcessorFenced", ErrorKind.InvalidOperation);
        public static readonly ErrorId ResultCommitUndecided = new ErrorId("ResultCommitUndecided", ErrorKind.OperationTimeout);
    }
}
