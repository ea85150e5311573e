using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;

namespace OpenMsiStream.Monitoring
{
    /// <summary>
    /// The <see cref="System.Diagnostics.Metrics"/> instruments of one long-running program, on a meter
    /// named <see cref="MeterName"/>: what any .NET metrics listener (dotnet-counters, OpenTelemetry, the
    /// Prometheus endpoint of <see cref="Metrics.PrometheusExport"/>) reads. Every measurement carries the
    /// program id as tag <see cref="ProgramTag"/>, so two programs in one process stay apart.
    /// </summary>
    /// <remarks>
    /// The instruments of a direction are created when a program of that direction is watched (see
    /// <see cref="MonitoredObservers"/>), so an uploader shows no "received" series, and start at 0 so
    /// a scrape shows them before the first file. Gauges whose value is not known yet (the lag before the
    /// first statistics) report nothing rather than a made-up 0.
    /// </remarks>
    public sealed class ProgramMetrics : IDisposable
    {
        public const string MeterName = "OpenMsiStream";
        public const string ProgramTag = "program_id";
        public const string ErrorIdTag = "error_id";
        private const long Unknown = -1;

        private readonly KeyValuePair<string, object?> _program;
        private readonly object _gate = new object();
        private Counter<long>? _filesFailed;
        private readonly Counter<long> _errors;
        private Counter<long>? _filesSent, _chunksSent, _bytesSent;
        private Counter<long>? _filesReceived, _chunksReceived, _bytesReceived;
        private Counter<long>? _filesProcessed, _chunksProcessed, _bytesProcessed, _resultsProduced;
        private long _filesInProgress = Unknown;
        private long _consumerLag = Unknown;
        private long _producerQueueDepth = Unknown;
        private long _resultProducerQueueDepth = Unknown;
        private long _lastDeliveryTicks;

        public ProgramMetrics(string programId)
        {
            ProgramId = programId;
            _program = new KeyValuePair<string, object?>(ProgramTag, programId);
            Meter = new Meter(MeterName, typeof(ProgramMetrics).Assembly.GetName().Version?.ToString());
            _errors = Meter.CreateCounter<long>("openmsistream.errors", "{error}", "Errors the program reported, by error id (the ids of the README's error table).");
            Meter.CreateObservableGauge("openmsistream.files_in_progress", () => Observe(ref _filesInProgress), "{file}",
                "Files being sent (uploaders), partly received (receivers) or received and not yet processed (processors).");
            Meter.CreateObservableGauge("openmsistream.last_delivery_timestamp_seconds", ObserveLastDelivery, "s",
                "Unix time of the last file delivered: acknowledged by the broker (uploaders), written (receivers), processed (processors).");
        }

        public string ProgramId { get; }

        /// <summary>The meter the instruments are on; disposed with this object.</summary>
        public Meter Meter { get; }

        /// <summary>Messages on the consumer's partitions it has not read yet; null until known.</summary>
        public long? ConsumerLag => Known(Volatile.Read(ref _consumerLag));

        /// <summary>Creates the instruments of a program that sends files.</summary>
        public void Uploading()
        {
            lock (_gate)
            {
                if (_filesSent != null)
                {
                    return;
                }
                _filesSent = Counter("openmsistream.files_sent", "{file}", "Files whose every chunk the broker acknowledged.");
                _chunksSent = Counter("openmsistream.chunks_sent", "{chunk}", "Chunk messages the broker acknowledged.");
                _bytesSent = Counter("openmsistream.bytes_sent", "By", "File bytes in the chunks the broker acknowledged.");
                FailureCounter();
                Meter.CreateObservableGauge("openmsistream.producer_queue_depth", () => Observe(ref _producerQueueDepth), "{message}",
                    "Messages handed to the producer and not yet acknowledged by the broker.");
            }
        }

        /// <summary>Creates the instruments of a program that reads a topic of files.</summary>
        public void Receiving()
        {
            lock (_gate)
            {
                if (_filesReceived != null)
                {
                    return;
                }
                _filesReceived = Counter("openmsistream.files_received", "{file}", "Files rebuilt complete and verified.");
                _chunksReceived = Counter("openmsistream.chunks_received", "{chunk}", "Chunk messages read: as read (receivers), those of each file handled (processors).");
                _bytesReceived = Counter("openmsistream.bytes_received", "By", "Bytes read: of the messages as read (receivers), of each file handled (processors).");
                Meter.CreateObservableGauge("openmsistream.consumer_lag", () => Observe(ref _consumerLag), "{message}",
                    "Messages on the consumer's assigned partitions that it has not read yet (end offset minus position).");
            }
        }

        /// <summary>Creates the instruments of a program that reads files and processes them.</summary>
        public void Processing(bool producesResults)
        {
            Receiving();
            lock (_gate)
            {
                if (_filesProcessed == null)
                {
                    _filesProcessed = Counter("openmsistream.files_processed", "{file}", "Files the processor handled successfully.");
                    _chunksProcessed = Counter("openmsistream.chunks_processed", "{chunk}", "Chunks of the files processed successfully.");
                    _bytesProcessed = Counter("openmsistream.bytes_processed", "By", "Bytes of the files processed successfully.");
                    FailureCounter();
                }
                if (producesResults && _resultsProduced == null)
                {
                    _resultsProduced = Counter("openmsistream.results_produced", "{message}", "Result messages produced to the result topic.");
                    Meter.CreateObservableGauge("openmsistream.result_producer_queue_depth", () => Observe(ref _resultProducerQueueDepth), "{message}",
                        "Result messages handed to the result producer and not yet acknowledged by the broker.");
                }
            }
        }

        public void FileSent(long chunks, long bytes)
        {
            _filesSent?.Add(1, _program);
            _chunksSent?.Add(chunks, _program);
            _bytesSent?.Add(bytes, _program);
            Delivered();
        }

        public void Read(long messages, long bytes)
        {
            _chunksReceived?.Add(messages, _program);
            _bytesReceived?.Add(bytes, _program);
        }

        /// <summary>A receiver wrote a complete file.</summary>
        public void FileReceived()
        {
            _filesReceived?.Add(1, _program);
            Delivered();
        }

        /// <summary>A processor took files from its receiver (running totals arrive as differences).</summary>
        public void FilesReceived(long files) => _filesReceived?.Add(files, _program);

        public void FileProcessed(long chunks, long bytes, long results)
        {
            _filesProcessed?.Add(1, _program);
            _chunksProcessed?.Add(chunks, _program);
            _bytesProcessed?.Add(bytes, _program);
            _resultsProduced?.Add(results, _program);
            Delivered();
        }

        public void FileFailed() => _filesFailed?.Add(1, _program);

        public void Error(string? errorId) =>
            _errors.Add(1, _program, new KeyValuePair<string, object?>(ErrorIdTag, string.IsNullOrEmpty(errorId) ? "none" : errorId));

        public void FilesInProgress(long files) => Volatile.Write(ref _filesInProgress, Math.Max(0, files));

        public void SetConsumerLag(long? messages) => Volatile.Write(ref _consumerLag, messages is long lag && lag >= 0 ? lag : Unknown);

        public void ProducerQueueDepth(long messages) => Volatile.Write(ref _producerQueueDepth, Math.Max(0, messages));

        public void ResultProducerQueueDepth(long messages) => Volatile.Write(ref _resultProducerQueueDepth, Math.Max(0, messages));

        public void Dispose() => Meter.Dispose();

        /// <summary>Uploaders and processors fail files; a receiver's failures are counted by error id only.</summary>
        private void FailureCounter() =>
            _filesFailed ??= Counter("openmsistream.files_failed", "{file}", "Files an uploader could not send or a processor failed on (each attempt).");

        private Counter<long> Counter(string name, string unit, string description)
        {
            Counter<long> counter = Meter.CreateCounter<long>(name, unit, description);
            counter.Add(0, _program); // the series exists, at 0, from the start
            return counter;
        }

        private void Delivered() => Volatile.Write(ref _lastDeliveryTicks, DateTimeOffset.UtcNow.UtcTicks);

        private IEnumerable<Measurement<long>> Observe(ref long field)
        {
            long value = Volatile.Read(ref field);
            return value == Unknown ? Array.Empty<Measurement<long>>() : new[] { new Measurement<long>(value, _program) };
        }

        private IEnumerable<Measurement<double>> ObserveLastDelivery()
        {
            long ticks = Volatile.Read(ref _lastDeliveryTicks);
            if (ticks == 0)
            {
                return Array.Empty<Measurement<double>>();
            }
            double seconds = (ticks - DateTimeOffset.FromUnixTimeSeconds(0).UtcTicks) / (double)TimeSpan.TicksPerSecond;
            return new[] { new Measurement<double>(seconds, _program) };
        }

        private static long? Known(long value) => value == Unknown ? (long?)null : value;
    }
}
