using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using OpenMsiStream.Bench.Brokers;
using OpenMsiStream.Bench.Support;

namespace OpenMsiStream.Bench.Measurements
{
    /// <summary>
    /// A tool measured by the side-by-side procedure: command lines with placeholders, run through
    /// `/bin/sh -c "exec …"`. {file} the file to send, {dir} the directory to watch or download into,
    /// {config} the broker's config file, {topic} the topic, {work} a scratch directory of the tool's own
    /// (for state), {cli} this repository's openmsistream executable.
    /// </summary>
    internal sealed record PeerTool(string Name, string Upload, string? UploadDirectory, string Download)
    {
        /// <summary>OpenMsiStream itself, as users run it.</summary>
        public static PeerTool Own => new PeerTool(
            "OpenMsiStream (openmsistream)",
            "{cli} upload-file {file} --topic {topic} --config {config}",
            "{cli} upload-directory {dir} --topic {topic} --config {config} --settle-time 0.5 --state-directory {work}",
            "{cli} download-directory {dir} --topic {topic} --config {config}");
    }

    /// <summary>
    /// The same procedure, on the same broker and files, for two tools: (1) one large file uploaded
    /// (process start to exit), then downloaded (process start until the copy in {dir} has the right
    /// SHA-512), the two times added; (2) small files written into a watched directory while the tool's
    /// directory uploader and downloader run, timed from the first file written to the last copy
    /// verified. Downloaders that do not stop by themselves are stopped with SIGTERM once done.
    /// </summary>
    internal static class PeerComparison
    {
        private static readonly TimeSpan Bound = TimeSpan.FromMinutes(30);

        public static Figure OneFile(PeerTool tool, IBenchBroker broker, string workDirectory, long length)
        {
            string topic = "bench-peer-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string root = Path.Combine(workDirectory, topic);
            string output = Path.Combine(root, "out");
            Directory.CreateDirectory(output);
            SourceFile file = TestFiles.WriteOne(Path.Combine(root, "src"), "peer.dat", 17, length);
            Topics.Create(broker, topic);
            var values = Values(tool, broker, root, topic, file.FullPath, output);
            var clock = Stopwatch.StartNew();
            TimeSpan cpuUpload, cpuDownload;
            long rssUpload, rssDownload;
            using (ChildProcess upload = Run(tool.Upload, values))
            {
                upload.WaitForExit(Bound, $"{tool.Name}: upload");
                if (upload.ExitCode != 0)
                {
                    throw new InvalidOperationException($"{tool.Name}: the upload exited with {upload.ExitCode}:\n{ChildProcess.Tail(upload.Stderr)}");
                }
                cpuUpload = upload.CpuTime;
                rssUpload = upload.PeakRssBytes;
            }
            TimeSpan uploaded = clock.Elapsed;
            bool arrived;
            using (ChildProcess download = Run(tool.Download, values))
            {
                arrived = WaitForCopies(new[] { file }, output, download, Bound);
                cpuDownload = download.CpuTime;
                rssDownload = download.PeakRssBytes;
                Stop(download);
            }
            TimeSpan done = clock.Elapsed;
            return new Figure($"{tool.Name}: 1 file of {length >> 20} MiB, upload then download", broker.Description, arrived ? length : 0, arrived ? 1 : 0, done)
            {
                FilesLost = arrived ? 0 : 1,
                SenderCpu = cpuUpload,
                ReceiverCpu = cpuDownload,
                SenderPeakRss = rssUpload,
                ReceiverPeakRss = rssDownload,
                Note = $"upload {uploaded.TotalSeconds:0.0} s, download {(done - uploaded).TotalSeconds:0.0} s",
            };
        }

        public static Figure WatchedDirectory(PeerTool tool, IBenchBroker broker, string workDirectory, int count, TimeSpan warmUp)
        {
            if (tool.UploadDirectory == null)
            {
                throw new ArgumentException($"{tool.Name} has no directory-upload command.");
            }
            string topic = "bench-peerdir-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string root = Path.Combine(workDirectory, topic);
            string watched = Path.Combine(root, "watched");
            string output = Path.Combine(root, "out");
            Directory.CreateDirectory(watched);
            Directory.CreateDirectory(output);
            Topics.Create(broker, topic);
            using ChildProcess download = Run(tool.Download, Values(tool, broker, Path.Combine(root, "work-download"), topic, string.Empty, output));
            using ChildProcess upload = Run(tool.UploadDirectory, Values(tool, broker, Path.Combine(root, "work-upload"), topic, string.Empty, watched));
            Thread.Sleep(warmUp); // both started and connected, whatever tool they are
            if (upload.HasExited || download.HasExited)
            {
                throw new InvalidOperationException($"{tool.Name}: a program ended during the warm-up:\n{ChildProcess.Tail(upload.Stderr)}\n{ChildProcess.Tail(download.Stderr)}");
            }
            var clock = Stopwatch.StartNew();
            List<SourceFile> files = Enumerable.Range(0, count).Select(i => TestFiles.WriteOne(watched, $"small{i:00000}.dat", i, 10 * 1024)).ToList();
            TimeSpan written = clock.Elapsed;
            bool all = WaitForCopies(files, output, download, Bound);
            TimeSpan done = clock.Elapsed;
            int verified = TestFiles.Verified(files, output).Count;
            TimeSpan cpuUpload = upload.CpuTime, cpuDownload = download.CpuTime;
            Stop(upload);
            Stop(download);
            return new Figure($"{tool.Name}: {count} files of 10 KiB through a watched directory", broker.Description, verified * 10L * 1024, verified, done)
            {
                FilesLost = count - verified,
                SenderCpu = cpuUpload,
                ReceiverCpu = cpuDownload,
                SenderPeakRss = upload.PeakRssBytes,
                ReceiverPeakRss = download.PeakRssBytes,
                Note = $"files written in {written.TotalSeconds:0.0} s{(all ? string.Empty : "; not all arrived")}",
            };
        }

        private static Dictionary<string, string> Values(PeerTool tool, IBenchBroker broker, string work, string topic, string file, string directory)
        {
            Directory.CreateDirectory(work);
            return new Dictionary<string, string>
            {
                ["{file}"] = file,
                ["{dir}"] = directory,
                ["{config}"] = broker.ConfigPath,
                ["{topic}"] = topic,
                ["{work}"] = work,
                ["{cli}"] = Cli.Executable(),
            };
        }

        private static ChildProcess Run(string template, IReadOnlyDictionary<string, string> values)
        {
            string command = values.Aggregate(template, (text, value) => text.Replace(value.Key, ShellQuote(value.Value), StringComparison.Ordinal));
            return ChildProcess.Start("/bin/sh", new[] { "-c", "exec " + command });
        }

        private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

        /// <summary>Waits until every file's copy in <paramref name="output"/> has the right length and SHA-512.</summary>
        private static bool WaitForCopies(IReadOnlyList<SourceFile> files, string output, ChildProcess program, TimeSpan timeout)
        {
            var pending = new HashSet<SourceFile>(files);
            var clock = Stopwatch.StartNew();
            while (pending.Count > 0 && clock.Elapsed < timeout && !program.HasExited)
            {
                foreach (SourceFile file in pending.ToList())
                {
                    string copy = Path.Combine(output, file.RelativePath);
                    if (File.Exists(copy) && new FileInfo(copy).Length == file.Length && Sha512(copy) == file.Sha512)
                    {
                        pending.Remove(file);
                    }
                }
                if (pending.Count > 0)
                {
                    Thread.Sleep(20);
                }
            }
            if (pending.Count > 0 && program.HasExited)
            {
                Console.Error.WriteLine($"the downloader exited with {program.ExitCode}:\n{ChildProcess.Tail(program.Stderr)}");
            }
            return pending.Count == 0;
        }

        private static string Sha512(string path)
        {
            try
            {
                using FileStream stream = File.OpenRead(path);
                return Convert.ToHexString(SHA512.HashData(stream)).ToLowerInvariant();
            }
            catch (IOException)
            {
                return string.Empty; // being replaced
            }
        }

        private static void Stop(ChildProcess program)
        {
            program.Terminate();
            try
            {
                program.WaitForExit(TimeSpan.FromSeconds(30), "stopping");
            }
            catch (TimeoutException)
            {
                // killed by WaitForExit
            }
        }
    }
}
