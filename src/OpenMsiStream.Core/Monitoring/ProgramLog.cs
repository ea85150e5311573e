using System;
using System.Collections.Generic;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace OpenMsiStream.Monitoring
{
    public enum LogLevel
    {
        Debug,
        Information,
        Warning,
        Error,
    }

    /// <summary>
    /// A long-running program's log: a rotating file (Serilog, 10 MB per file, the last 10 kept) with
    /// levels, and the lines since the last log message for the log topic. librdkafka's own messages
    /// come here too (bad credentials, unreachable brokers: OpenMSIStream's issue #81).
    /// </summary>
    public sealed class ProgramLog : IDisposable
    {
        public const long FileSizeLimit = 10L * 1024 * 1024;
        public const int RetainedFiles = 10;
        private readonly Logger? _file;
        private readonly LogLevel _minimumLevel;
        private readonly int _bufferLimit;
        private readonly Queue<string> _buffer = new Queue<string>();
        private readonly object _gate = new object();
        private readonly string _programId;

        /// <param name="filePath">The log file; rotated files get a number before the extension. Null: no file.</param>
        /// <param name="bufferLimit">Lines kept for the log topic between two log messages; the oldest are dropped.</param>
        public ProgramLog(string programId, string? filePath, LogLevel minimumLevel = LogLevel.Information, int bufferLimit = 65536)
        {
            _programId = programId;
            _minimumLevel = minimumLevel;
            _bufferLimit = bufferLimit;
            FilePath = filePath;
            if (filePath != null)
            {
                System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(filePath))!);
                _file = new LoggerConfiguration()
                    .MinimumLevel.Is(ToSerilog(minimumLevel))
                    .WriteTo.File(filePath,
                        outputTemplate: "[{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz}] {Level:u3} {Message:l}{NewLine}",
                        fileSizeLimitBytes: FileSizeLimit,
                        rollOnFileSizeLimit: true,
                        retainedFileCountLimit: RetainedFiles,
                        formatProvider: System.Globalization.CultureInfo.InvariantCulture)
                    .CreateLogger();
            }
        }

        public string? FilePath { get; }

        public int Dropped { get; private set; }

        public void Debug(string message) => Write(LogLevel.Debug, message);

        public void Information(string message) => Write(LogLevel.Information, message);

        public void Warning(string message) => Write(LogLevel.Warning, message);

        public void Error(string message) => Write(LogLevel.Error, message);

        public void Write(LogLevel level, string message)
        {
            if (level < _minimumLevel)
            {
                return;
            }
            message = Diagnostics.PrintableText.Escape(message); // one line per entry in the file and on the log topic, whatever a file name holds
            _file?.Write(ToSerilog(level), "{Text:l}", message);
            // OpenMSIStream's console and file format, which people already grep for.
            string prefix = level == LogLevel.Error ? "ERROR: " : level == LogLevel.Warning ? "WARNING: " : string.Empty;
            string line = $"[{_programId} {DateTime.Now:yyyy-MM-dd HH:mm:ss}] {prefix}{message}";
            lock (_gate)
            {
                if (_buffer.Count >= _bufferLimit)
                {
                    _buffer.Dequeue();
                    Dropped++;
                }
                _buffer.Enqueue(line);
            }
        }

        /// <summary>The lines written since the last call, oldest first.</summary>
        public IReadOnlyList<string> TakeBuffered()
        {
            lock (_gate)
            {
                var lines = _buffer.ToArray();
                _buffer.Clear();
                return lines;
            }
        }

        public void Dispose() => _file?.Dispose();

        private static LogEventLevel ToSerilog(LogLevel level) => level switch
        {
            LogLevel.Debug => LogEventLevel.Debug,
            LogLevel.Warning => LogEventLevel.Warning,
            LogLevel.Error => LogEventLevel.Error,
            _ => LogEventLevel.Information,
        };
    }
}
