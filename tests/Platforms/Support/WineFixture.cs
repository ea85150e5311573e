using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpenMsiStream.LocalBroker;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Platforms.Tests.Support
{
    /// <summary>
    /// One Wine prefix (a fresh "Windows" in a temp directory) for the Windows lane, and an embedded
    /// broker in this (Linux) process that the Windows programs reach over loopback TCP. Wine is a
    /// stand-in for Windows, not Windows. Disposing stops every Windows process of the prefix
    /// (wineserver -k) and deletes it.
    /// </summary>
    public sealed class WineFixture : IDisposable
    {
        public static readonly TimeSpan Long = TimeSpan.FromSeconds(120);
        private readonly TempDirectory _root = new TempDirectory("wine");

        public WineFixture()
        {
            Prefix = _root.Combine("prefix");
            Environment = new Dictionary<string, string?>
            {
                ["WINEPREFIX"] = Prefix,
                ["WINEDEBUG"] = "-all",
                // Without it .NET dies under Wine with "Internal CLR error 0x80131506" in a finalizer.
                ["DOTNET_EnableWriteXorExecute"] = "0",
                // winemenubuilder would write menu entries and file associations into $HOME.
                ["WINEDLLOVERRIDES"] = "winemenubuilder.exe=d",
                ["HOME"] = _root.Combine("home"),
                ["DISPLAY"] = null,
            };
            Directory.CreateDirectory(_root.Combine("home"));
            Directory.CreateDirectory(Prefix); // wineserver starts in it
            // One wineserver for the whole lane (-p: it stays when no program runs), so the prefix is set
            // up once, its services.exe keeps running like a Windows machine's, and no later program starts
            // another session of it (each new session would start auto-start services again, as at boot).
            RunWithoutPipes("wineserver", TimeSpan.FromMinutes(1), "-p");
            try
            {
                RunWithoutPipes("wine", TimeSpan.FromMinutes(3), "cmd", "/c", "exit");
                Assert.True(Directory.Exists(DriveC), $"Wine made no prefix in {Prefix}");
            }
            catch
            {
                StopWine(); // xunit does not dispose a fixture whose constructor failed: the server would stay
                throw;
            }
            Broker = LocalKafkaBroker.Start();
            Lab = Path.Combine(DriveC, "lab");
            Directory.CreateDirectory(Lab);
            // A short session timeout: a consumer killed in a test leaves its group quickly.
            BrokerConfig = Path.Combine(Lab, "broker.config");
            File.WriteAllText(BrokerConfig, $"[broker]\nbootstrap.servers = {Broker.BootstrapServers}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n");
        }

        public string Prefix { get; }

        /// <summary>
        /// Runs a program that leaves Wine's background processes running (the server, services.exe):
        /// they would hold redirected output open, so nothing is redirected and only the exit is awaited.
        /// </summary>
        private void RunWithoutPipes(string program, TimeSpan timeout, params string[] arguments)
        {
            var start = new System.Diagnostics.ProcessStartInfo(program) { UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            foreach (KeyValuePair<string, string?> variable in Environment)
            {
                if (variable.Value == null)
                {
                    start.Environment.Remove(variable.Key);
                }
                else
                {
                    start.Environment[variable.Key] = variable.Value;
                }
            }
            using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
            Assert.True(process.WaitForExit((int)timeout.TotalMilliseconds), $"'{program} {string.Join(" ", arguments)}' did not finish within {timeout}");
        }

        /// <summary>C:\ of the prefix, as a Linux path.</summary>
        public string DriveC => Path.Combine(Prefix, "drive_c");

        /// <summary>C:\lab, as a Linux path: each test works in a folder of its own below it.</summary>
        public string Lab { get; }

        public string BrokerConfig { get; }

        public LocalKafkaBroker Broker { get; }

        public IReadOnlyDictionary<string, string?> Environment { get; }

        /// <summary>The Windows path of a Linux path: C:\… inside the prefix, else Z:\… (Wine's view of /).</summary>
        public string WindowsPath(string linuxPath)
        {
            string full = Path.GetFullPath(linuxPath);
            return full.StartsWith(DriveC + "/", StringComparison.Ordinal) || full == DriveC
                ? "C:\\" + full.Substring(DriveC.Length).TrimStart('/').Replace('/', '\\')
                : "Z:" + full.Replace('/', '\\');
        }

        /// <summary>A new, empty folder below C:\lab (Linux path).</summary>
        public string NewFolder(string name)
        {
            string path = Path.Combine(Lab, name + "-" + Guid.NewGuid().ToString("N").Substring(0, 6));
            Directory.CreateDirectory(path);
            return path;
        }

        /// <summary>Starts a Windows program under Wine; <paramref name="program"/> is a Linux path or a Windows command (sc.exe).</summary>
        public ChildProcess Start(string program, params string[] arguments) => StartWith(null, program, arguments);

        /// <summary>As <see cref="Start"/>, with more environment variables (Wine passes them to the Windows program).</summary>
        public ChildProcess StartWith(IReadOnlyDictionary<string, string?>? environment, string program, params string[] arguments)
        {
            var all = new Dictionary<string, string?>(Environment);
            foreach (KeyValuePair<string, string?> variable in environment ?? new Dictionary<string, string?>())
            {
                all[variable.Key] = variable.Value;
            }
            return ChildProcess.Start("wine", new[] { program }.Concat(arguments), all);
        }

        public async Task<ChildProcess> RunAsync(TimeSpan timeout, string program, params string[] arguments)
        {
            ChildProcess child = Start(program, arguments);
            await child.WaitAsync(timeout);
            return child;
        }

        /// <summary>The self-contained win-x64 openmsistream with <paramref name="arguments"/>.</summary>
        public ChildProcess StartCli(params string[] arguments) => Start(Artifacts.WindowsCli, arguments);

        public Task<ChildProcess> RunCliAsync(TimeSpan timeout, params string[] arguments) => RunAsync(timeout, Artifacts.WindowsCli, arguments);

        public void Dispose()
        {
            Broker.Dispose();
            StopWine();
        }

        /// <summary>Ends every Windows process of the prefix and its server, then deletes the prefix.</summary>
        private void StopWine()
        {
            using (ChildProcess stop = ChildProcess.Start("wineserver", new[] { "-k" }, Environment))
            {
                stop.WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
            }
            _root.Dispose();
        }
    }

    [CollectionDefinition(Name)]
    public sealed class WineCollection : ICollectionFixture<WineFixture>
    {
        /// <summary>One prefix and one wineserver for the lane; its tests run one at a time.</summary>
        public const string Name = "Wine";
    }
}
