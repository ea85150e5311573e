namespace OpenMsiStream.Diagnostics
{
    /// <summary>The stable error ids. Documented in the README; never rename one.</summary>
    public static class ErrorIds
    {
        public const string InvalidChunkSize = "InvalidChunkSize";
        public const string InvalidTopicName = "InvalidTopicName";
        public const string InvalidArgument = "InvalidArgument";
        public const string ConfigFileNotFound = "ConfigFileNotFound";
        public const string ConfigFileInvalid = "ConfigFileInvalid";
        public const string ConfigUnknownSection = "ConfigUnknownSection";
        public const string ConfigUnsetVariable = "ConfigUnsetVariable";
        public const string ConfigInvalidProperty = "ConfigInvalidProperty";
        public const string NoBrokerSpecified = "NoBrokerSpecified";
        public const string BrokerUnreachable = "BrokerUnreachable";
        public const string AuthenticationFailed = "AuthenticationFailed";
        public const string TopicNotFound = "TopicNotFound";
        public const string FileNotFound = "FileNotFound";
        public const string FileUnreadable = "FileUnreadable";
        public const string FileOutsideRootDirectory = "FileOutsideRootDirectory";
        public const string FileChangedDuringSend = "FileChangedDuringSend";
        public const string MessageTooLarge = "MessageTooLarge";
        public const string DeliveryFailed = "DeliveryFailed";
        public const string UndecodableMessage = "UndecodableMessage";
        public const string CorruptChunk = "CorruptChunk";
        public const string InconsistentChunks = "InconsistentChunks";
        public const string HashMismatch = "HashMismatch";
        public const string UnsafePath = "UnsafePath";
        public const string FileTooLargeForMemory = "FileTooLargeForMemory";
        public const string OutputWriteFailed = "OutputWriteFailed";
        public const string StateDirectoryUnusable = "StateDirectoryUnusable";
        public const string FileSystemError = "FileSystemError";
        public const string Unexpected = "Unexpected";
        public const string OutputPathConflict = "OutputPathConflict";
        public const string IncompleteFileAbandoned = "IncompleteFileAbandoned";
        public const string LocalBrokerAlreadyRunning = "LocalBrokerAlreadyRunning";
        public const string LocalBrokerNotRunning = "LocalBrokerNotRunning";
        public const string LocalBrokerStartFailed = "LocalBrokerStartFailed";
        public const string ConsumerFailed = "ConsumerFailed";
        public const string StateDirectoryInUse = "StateDirectoryInUse";
        public const string ServiceNotFound = "ServiceNotFound";
        public const string ServiceAlreadyExists = "ServiceAlreadyExists";
        public const string ServiceCommandFailed = "ServiceCommandFailed";
        public const string ServiceVariableUnset = "ServiceVariableUnset";
        public const string ServiceNotSupported = "ServiceNotSupported";
        public const string ServiceCommandUnsupported = "ServiceCommandUnsupported";
        public const string ProcessingFailed = "ProcessingFailed";
        public const string ProcessingTimedOut = "ProcessingTimedOut";
        public const string ProcessingContentMissing = "ProcessingContentMissing";
        public const string ResultNotProduced = "ResultNotProduced";
        public const string ResultNotSerializable = "ResultNotSerializable";
        public const string CommandNotFound = "CommandNotFound";
        public const string InvalidBucketName = "InvalidBucketName";
        public const string S3TransferFailed = "S3TransferFailed";
        public const string S3IntegrityMismatch = "S3IntegrityMismatch";
        public const string S3AccessDenied = "S3AccessDenied";
        public const string S3BucketNotFound = "S3BucketNotFound";
        public const string InvalidHeartbeat = "InvalidHeartbeat";
        public const string CryptoNodeNotFound = "CryptoNodeNotFound";
        public const string CryptoNodeInvalid = "CryptoNodeInvalid";
        public const string CryptoUnsupported = "CryptoUnsupported";
        public const string CryptoNodeInUse = "CryptoNodeInUse";
        public const string CryptoProvisioningFailed = "CryptoProvisioningFailed";
        public const string UndecryptableMessage = "UndecryptableMessage";
        public const string MetadataUnsupported = "MetadataUnsupported";
        public const string ConsumerGroupsUnlisted = "ConsumerGroupsUnlisted";
        public const string NoConsumerGroup = "NoConsumerGroup";
        public const string MetricsPortInUse = "MetricsPortInUse";
        public const string MetricsServerFailed = "MetricsServerFailed";
        public const string StaticMemberFenced = "StaticMemberFenced";
        public const string ExactlyOnceUnavailable = "ExactlyOnceUnavailable";
        public const string ProcessorFenced = "ProcessorFenced";
        public const string ResultCommitUndecided = "ResultCommitUndecided";
    }
}
