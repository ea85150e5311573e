using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace OpenMsiStream.Tests.Common
{
    /// <summary>
    /// A real S3-protocol server for tests: s3rver (npm, pinned in tests/s3server/package-lock.json) on
    /// loopback with its data in a temp directory. It knows one access key, S3RVER (secret S3RVER), and
    /// refuses others; it does not check SigV4 signatures, so a wrong secret goes unnoticed. Can be
    /// stopped and started again on the same port and data, to test outages.
    /// </summary>
    public sealed class S3Server : IDisposable
    {
        public const string AccessKeyId = "S3RVER";
        public const string SecretAccessKey = "S3RVER";
        private static readonly object InstallGate = new object();
        private readonly TempDirectory _data = new TempDirectory("s3rver");
        private readonly string[] _buckets;
        private Process? _process;

        public S3Server(params string[] buckets)
        {
            _buckets = buckets;
            Port = FreePort();
            Start();
        }

        public int Port { get; }

        public string Endpoint => $"http://127.0.0.1:{Port}";

        /// <summary>An OpenMSIStream config file with this server in its [s3] section (and the given broker).</summary>
        public string WriteConfig(string path, string bootstrapServers, string extraConsumerSettings = "")
        {
            File.WriteAllText(path,
                $"[broker]\nbootstrap.servers = {bootstrapServers}\n[consumer]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 1000\n{extraConsumerSettings}" +
                $"[s3]\naccess_key_id = {AccessKeyId}\nsecret_key_id = {SecretAccessKey}\nendpoint_url = {Endpoint}\nregion = us-east-1\n");
            return path;
        }

        /// <summary>An object's bytes as the server stored them (s3rver keeps &lt;bucket&gt;/&lt;key&gt;._S3rver_object); null when it has none.</summary>
        public byte[]? StoredObject(string bucket, string key)
        {
            string path = System.IO.Path.Combine(_data.Path, bucket, key.Replace('/', System.IO.Path.DirectorySeparatorChar)) + "._S3rver_object";
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }

        /// <summary>An object's stored metadata (JSON text, with x-amz-meta-* headers); null when it has none.</summary>
        public string? StoredMetadata(string bucket, string key)
        {
            string path = System.IO.Path.Combine(_data.Path, bucket, key.Replace('/', System.IO.Path.DirectorySeparatorChar)) + "._S3rver_metadata.json";
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }

        public void Start()
        {
            string script = EnsureInstalled();
            var start = new ProcessStartInfo("node")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string argument in new[] { script, "--directory", _data.Path, "--address", "127.0.0.1", "--port", Port.ToString(), "--silent" })
            {
                start.ArgumentList.Add(argument);
            }
            foreach (string bucket in _buckets)
            {
                start.ArgumentList.Add("--configure-bucket");
                start.ArgumentList.Add(bucket);
            }
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, __) => { };
            _process.ErrorDataReceived += (_, __) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (!Listening())
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"s3rver did not start on port {Port} (exit code {(_process.HasExited ? _process.ExitCode.ToString() : "none")}).");
                }
                Thread.Sleep(100);
            }
        }

        /// <summary>Stops the server abruptly (as an outage would); <see cref="Start"/> brings it back with its data.</summary>
        public void Stop()
        {
            if (_process == null)
            {
                return;
            }
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            _process.WaitForExit();
            _process.Dispose();
            _process = null;
        }

        public void Dispose()
        {
            Stop();
            _data.Dispose();
        }

        /// <summary>s3rver's JavaScript entry point; runs npm ci once if tests/s3server has not been installed (as .ci/run does).</summary>
        private static string EnsureInstalled()
        {
            string folder = System.IO.Path.Combine(RepoRoot.Path, "tests", "s3server");
            string script = System.IO.Path.Combine(folder, "node_modules", "s3rver", "bin", "s3rver.js");
            lock (InstallGate)
            {
                if (!File.Exists(script))
                {
                    var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund") { WorkingDirectory = folder, UseShellExecute = false })!;
                    npm.WaitForExit();
                    if (npm.ExitCode != 0 || !File.Exists(script))
                    {
                        throw new InvalidOperationException($"'npm ci' in {folder} failed (exit code {npm.ExitCode}); the S3 tests need s3rver.");
                    }
                }
            }
            return script;
        }

        private bool Listening()
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
