using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.Platforms.Tests.Support;
using OpenMsiStream.UploadDirectory;
using Xunit;

namespace OpenMsiStream.Platforms.Tests
{
    /// <summary>
    /// The Windows lane (under Wine, a stand-in for Windows): the self-contained win-x64 openmsistream,
    /// with the Windows librdkafka.dll, SQLite and libsodium and Windows paths, against the embedded
    /// broker of this Linux process.
    /// </summary>
    [Collection(WineCollection.Name)]
    [Trait("Lane", "Wine")]
    public sealed class WindowsCliTests
    {
        private readonly WineFixture _wine;

        public WindowsCliTests(WineFixture wine) => _wine = wine;

        private string Config => _wine.WindowsPath(_wine.BrokerConfig);

        /// <summary>A topic made beforehand, so Linux readers can subscribe before a Windows program first writes to it.</summary>
        private string NewTopic()
        {
            string topic = "win-" + Guid.NewGuid().ToString("N").Substring(0, 10);
            _wine.Broker.CreateTopic(topic, 4);
            return topic;
        }

        [Fact]
        public async Task QuickstartSendsReceivesAndVerifiesItsSamples()
        {
            using ChildProcess quickstart = await _wine.RunCliAsync(WineFixture.Long, "quickstart");

            Assert.True(quickstart.ExitCode == 0, quickstart.Output);
            Assert.Contains("6 of 6 files sent, received and verified byte-identical", quickstart.Stdout);
        }

        [Fact]
        public async Task AWindowsUploaderSendsDriveLetterLongAndAwkwardPathsAndAWindowsReceiverRebuildsThemWithCaseCollisionsRefused()
        {
            string topic = NewTopic();
            string source = _wine.NewFolder("src");
            string deep = string.Join("/", Enumerable.Range(1, 6).Select(i => $"level {i:00} of a deep instrument folder tree"));
            var files = new Dictionary<string, byte[]>
            {
                ["plain.csv"] = Encoding.ASCII.GetBytes("a,b\n1,2\n"),
                ["a;b.csv"] = LinuxSide.Bytes(1_000, 1),
                ["with space/scan 01.txt"] = LinuxSide.Bytes(70_000, 2),
                ["Größe µm é.csv"] = LinuxSide.Bytes(2_000, 3),
                ["日本語.dat"] = LinuxSide.Bytes(3_000, 4),
                [deep + "/deep file.bin"] = LinuxSide.Bytes(40_000, 5),
                ["Case.txt"] = Encoding.ASCII.GetBytes("upper\n"),
                ["case.txt"] = Encoding.ASCII.GetBytes("lower case\n"),
            };
            foreach (KeyValuePair<string, byte[]> file in files)
            {
                LinuxSide.Write(Path.Combine(source, file.Key), file.Value);
            }
            File.WriteAllText(Path.Combine(source, "aux.csv"), "a reserved device name on Windows\n");
            Assert.True(_wine.WindowsPath(Path.Combine(source, deep, "deep file.bin")).Length > 260);
            string state = _wine.NewFolder("state");

            using (ChildProcess uploader = _wine.StartCli("upload-directory", _wine.WindowsPath(source), "--topic", topic, "--config", Config,
                "--upload-existing", "--settle-time", "0.3", "--state-directory", _wine.WindowsPath(state)))
            {
                // Every file, both names of the case pair included, comes out of a Linux receiver byte-identical.
                string linuxCopy = _wine.NewFolder("linux-copy");
                try
                {
                    LinuxSide.Receive(_wine.Broker, topic, linuxCopy, files.Count);
                }
                catch (InvalidOperationException missing)
                {
                    throw new InvalidOperationException(missing.Message + "\nThe Windows uploader's " + uploader.Output, missing);
                }
                foreach (KeyValuePair<string, byte[]> file in files)
                {
                    Assert.Equal(file.Value, File.ReadAllBytes(Path.Combine(linuxCopy, file.Key)));
                }
                await uploader.WaitUntilAsync(() => uploader.Stderr.Contains("aux.csv"), WineFixture.Long, "the reserved name to be reported");
                Assert.Contains("UnsafePath", uploader.Stderr);
                // Its registry saves every 250 ms: the kill must not race the last save.
                await uploader.WaitUntilAsync(() => SentInRegistry(state, topic) == files.Count, WineFixture.Long, "every file to be recorded as sent");
                uploader.Kill();
            }
            using (UploadRegistry registry = UploadRegistry.OpenExisting(state, topic)!)
            {
                Assert.Equal(UploadStatus.Failed, registry.Find("aux.csv")!.Status);
                Assert.Equal(files.Keys.OrderBy(k => k, StringComparer.Ordinal), registry.All(UploadStatus.Sent).Select(r => r.RelativePath).OrderBy(k => k, StringComparer.Ordinal));
            }

            string output = _wine.NewFolder("out");
            using ChildProcess receiver = await _wine.RunCliAsync(WineFixture.Long, "download-directory", _wine.WindowsPath(output), "--topic", topic, "--config", Config, "--idle-timeout", "10");

            foreach (KeyValuePair<string, byte[]> file in files.Where(f => !f.Key.Equals("case.txt", StringComparison.OrdinalIgnoreCase)))
            {
                Assert.Equal(file.Value, File.ReadAllBytes(Path.Combine(output, file.Key)));
            }
            // NTFS (and Wine) cannot hold Case.txt beside case.txt: the first stays, the second is refused, not written over it.
            string kept = Assert.Single(Directory.GetFiles(output), f => Path.GetFileName(f).Equals("case.txt", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(files[Path.GetFileName(kept)], File.ReadAllBytes(kept));
            Assert.Contains("OutputPathConflict", receiver.Stderr);
            Assert.Contains("differs only in case", receiver.Stderr);
        }

        [Fact]
        public async Task AWindowsReceiverRefusesNamesWindowsCannotHoldThatALinuxSenderSends()
        {
            string topic = NewTopic();
            string source = Path.Combine(_wine.NewFolder("linux-src"));
            string[] names = { "ok.csv", "colon:name.csv", "trailing dot.", "pipe|name.csv" };
            foreach (string name in names)
            {
                LinuxSide.Write(Path.Combine(source, name), Encoding.ASCII.GetBytes(name));
            }
            LinuxSide.Send(_wine.Broker, topic, source, names);

            string output = _wine.NewFolder("out");
            using ChildProcess receiver = await _wine.RunCliAsync(WineFixture.Long, "download-directory", _wine.WindowsPath(output), "--topic", topic, "--config", Config, "--idle-timeout", "8");

            Assert.Equal(new[] { "ok.csv" }, Directory.GetFiles(output).Select(Path.GetFileName));
            Assert.Equal(new[] { ".openmsistream" }, Directory.GetDirectories(output).Select(Path.GetFileName));
            Assert.Equal(3, receiver.Stderr.Split('\n').Count(line => line.Contains("UnsafePath")));
            Assert.Contains("characters Windows does not allow", receiver.Stderr);
            Assert.Contains("ends with a dot or space", receiver.Stderr);
        }

        [Fact]
        public async Task AWindowsUploaderTerminatedWithTaskkillResumesWithoutResendingWhatTheBrokerAcknowledged()
        {
            string topic = NewTopic();
            string watched = _wine.NewFolder("watched");
            string state = _wine.NewFolder("state");
            byte[] large = LinuxSide.Bytes(3 * 1024 * 1024, 7); // 192 chunks of 16 KiB
            LinuxSide.Write(Path.Combine(watched, "large.raw"), large);
            string[] uploader = { "upload-directory", _wine.WindowsPath(watched), "--topic", topic, "--config", Config, "--upload-existing", "--settle-time", "0.3", "--state-directory", _wine.WindowsPath(state), "--chunk-size", "16384" };

            using (ChildProcess first = _wine.StartCli(uploader.Concat(new[] { "--max-rate", "300000" }).ToArray()))
            {
                await WaitForKeysAsync(topic, 40, first);
                // TerminateProcess, as Task Manager's End task and `taskkill /F` do: no cleanup code runs.
                using ChildProcess taskkill = await _wine.RunAsync(WineFixture.Long, "taskkill", "/F", "/IM", "openmsistream.exe");
                Assert.True(taskkill.ExitCode == 0, taskkill.Output);
                await first.WaitAsync(TimeSpan.FromSeconds(30));
            }
            int beforeKill = LinuxSide.Keys(_wine.Broker, topic, 0).Count;
            LinuxSide.Write(Path.Combine(watched, "added while down.dat"), LinuxSide.Bytes(50_000, 8));

            using (ChildProcess second = _wine.StartCli(uploader))
            {
                string output = _wine.NewFolder("linux-copy");
                LinuxSide.Receive(_wine.Broker, topic, output, 2);
                Assert.Equal(large, File.ReadAllBytes(Path.Combine(output, "large.raw")));
                Assert.Equal(LinuxSide.Bytes(50_000, 8), File.ReadAllBytes(Path.Combine(output, "added while down.dat")));
                second.Kill();
            }
            List<string> keys = LinuxSide.Keys(_wine.Broker, topic, 192 + 4).Where(k => k.Contains("large.raw")).ToList();
            Assert.Equal(192, keys.Distinct().Count());
            // Only acknowledgements of the last registry save (250 ms) can die with the process.
            int resent = keys.Count - 192;
            Assert.True(resent <= 16, $"{resent} chunks of large.raw were sent twice ({beforeKill} messages were on the topic at the kill)");
        }

        [Fact]
        public async Task AWindowsReceiverKilledMidTransferAndRestartedInItsGroupLosesNothing()
        {
            string topic = NewTopic();
            string source = _wine.NewFolder("linux-src");
            var files = new Dictionary<string, byte[]> { ["large.raw"] = LinuxSide.Bytes(3 * 1024 * 1024, 11) };
            for (int i = 0; i < 20; i++)
            {
                files[$"small/run {i:00}.csv"] = LinuxSide.Bytes(2_000 + i, 20 + i);
            }
            foreach (KeyValuePair<string, byte[]> file in files)
            {
                LinuxSide.Write(Path.Combine(source, file.Key), file.Value);
            }
            LinuxSide.Send(_wine.Broker, topic, source, files.Keys);
            string output = _wine.NewFolder("out");
            string staging = Path.Combine(output, ".openmsistream", "staging");
            string[] receiver = { "download-directory", _wine.WindowsPath(output), "--topic", topic, "--config", Config, "--group-id", "archive" };

            using (ChildProcess first = _wine.StartCli(receiver))
            {
                await first.WaitUntilAsync(() => Directory.Exists(staging) && Directory.EnumerateFiles(staging, "*.part", SearchOption.AllDirectories).Any(p => new FileInfo(p).Length > 0),
                    WineFixture.Long, "a file to be in progress");
                first.Kill();
            }
            using (ChildProcess second = await _wine.RunCliAsync(WineFixture.Long, receiver.Concat(new[] { "--idle-timeout", "15" }).ToArray()))
            {
                foreach (KeyValuePair<string, byte[]> file in files)
                {
                    Assert.True(File.Exists(Path.Combine(output, file.Key)), $"'{file.Key}' is missing after the restart.\n{second.Output}");
                    Assert.Equal(file.Value, File.ReadAllBytes(Path.Combine(output, file.Key)));
                }
            }
            Assert.False(Directory.Exists(staging), "nothing in progress is left, not even its folder");
        }

        private static int SentInRegistry(string state, string topic)
        {
            using UploadRegistry? registry = UploadRegistry.OpenExisting(state, topic);
            return registry?.All(UploadStatus.Sent).Count ?? 0;
        }

        private async Task WaitForKeysAsync(string topic, int count, ChildProcess uploader)
        {
            DateTime deadline = DateTime.UtcNow + WineFixture.Long;
            while (LinuxSide.Keys(_wine.Broker, topic, 0).Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline && !uploader.HasExited, $"fewer than {count} chunks arrived.\n{uploader.Output}");
                await Task.Delay(200);
            }
        }
    }
}
