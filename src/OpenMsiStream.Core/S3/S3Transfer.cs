using System;
using System.Threading;
using OpenMsiStream.Config;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;
using OpenMsiStream.Processing;

namespace OpenMsiStream.S3
{
    /// <summary>
    /// OpenMSIStream's S3TransferStreamProcessor: every file of a topic into a bucket, verified, with
    /// the stream processor's durable record (a file counts as transferred only once the object is
    /// verified; failures are retried and recorded, and a restart continues).
    /// </summary>
    public sealed class S3Transfer : IDisposable
    {
        private readonly S3TransferHandler _handler;
        private readonly StreamProcessor _processor;

        public S3Transfer(KafkaSettings kafka, S3Settings s3, S3TransferOptions options, ClientDiagnostics? diagnostics = null)
        {
            BucketName.Validate(options.Bucket);
            StreamProcessingOptions processing = options.ToProcessingOptions();
            _handler = new S3TransferHandler(s3, options.Bucket, processing.StateDirectory!, options.PartSize, options.Retry);
            try
            {
                _processor = new StreamProcessor(kafka, processing, _handler, diagnostics);
            }
            catch
            {
                _handler.Dispose();
                throw;
            }
        }

        public string Bucket => _handler.Bucket;

        public string? Endpoint => _handler.Endpoint;

        public string GroupId => _processor.GroupId;

        public string StateDirectory => _processor.StateDirectory;

        public StreamProcessor Processor => _processor;

        /// <summary>Checks the bucket and credentials, then transfers until the processor's end conditions (see <see cref="StreamProcessor.Run"/>).</summary>
        public ProcessingSummary Run(IRunObserver<ProcessedFile, ProcessingProgress> observer, CancellationToken cancellationToken)
        {
            string? warning = _handler.CheckBucketAsync(cancellationToken).GetAwaiter().GetResult();
            if (warning != null)
            {
                observer.Warning(warning);
            }
            return _processor.Run(observer, cancellationToken);
        }

        public void Dispose()
        {
            _processor.Dispose();
            _handler.Dispose();
        }
    }
}
