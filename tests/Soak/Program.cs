using System;
using System.CommandLine;
using System.IO;
using OpenMsiStream.Soak.Reporting;

namespace OpenMsiStream.Soak
{
    /// <summary>
    /// `dotnet run -c Release --project tests/Soak -- --kills 40 --broker-outages 2` (README "Soak").
    /// Prints the figures; exit code 0 only when nothing was lost, corrupt or torn, 1 when something
    /// was, 3 when the harness itself failed.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            var defaults = new SoakOptions();
            var kills = new Option<int>("--kills") { Description = "SIGKILLs of upload-directory and download-directory together, at least", DefaultValueFactory = _ => defaults.Kills };
            var outages = new Option<int>("--broker-outages") { Description = "times the Kafka broker is SIGKILLed and started again later", DefaultValueFactory = _ => defaults.BrokerOutages };
            var minKill = new Option<double>("--min-kill-interval") { Description = "seconds, shortest time between two kills", DefaultValueFactory = _ => defaults.MinKillInterval };
            var maxKill = new Option<double>("--max-kill-interval") { Description = "seconds, longest time between two kills", DefaultValueFactory = _ => defaults.MaxKillInterval };
            var minOutage = new Option<double>("--min-outage") { Description = "seconds the broker stays down, at least", DefaultValueFactory = _ => defaults.MinOutage };
            var maxOutage = new Option<double>("--max-outage") { Description = "seconds the broker stays down, at most", DefaultValueFactory = _ => defaults.MaxOutage };
            var paths = new Option<int>("--paths") { Description = "files the writer creates and changes (besides the one-chunk files)", DefaultValueFactory = _ => defaults.Paths };
            var hotPaths = new Option<int>("--hot-paths") { Description = "files rewritten in place by one slow write call, often just as the uploader opens them (half of one chunk, half of three)", DefaultValueFactory = _ => defaults.HotPaths };
            var maxSize = new Option<long>("--max-file-size") { Description = "bytes, the largest file the writer makes", DefaultValueFactory = _ => defaults.MaxFileSize };
            var settle = new Option<double>("--settle-time") { Description = "upload-directory --settle-time, seconds", DefaultValueFactory = _ => defaults.SettleTime };
            var chunk = new Option<long>("--chunk-size") { Description = "upload-directory --chunk-size, bytes", DefaultValueFactory = _ => defaults.ChunkSize };
            var sample = new Option<double>("--sample-interval") { Description = "seconds between two torn-file samples of the output", DefaultValueFactory = _ => defaults.SampleInterval };
            var settleTimeout = new Option<double>("--settle-timeout") { Description = "seconds to wait at most for the output to match once writing stopped", DefaultValueFactory = _ => defaults.SettleTimeout };
            var results = new Option<string?>("--results") { Description = "directory for the logs and the report (default: a new openmsistream-soak-results-* directory under the temp directory)" };
            var seed = new Option<int?>("--seed") { Description = "seed of every random choice (default: a new one, printed)" };
            var keep = new Option<bool>("--keep-data") { Description = "keep the source, output and state directories instead of deleting them" };
            var root = new RootCommand("OpenMsiStream soak: upload-directory and download-directory on a real Kafka 0.9 broker, SIGKILLed at random while a writer changes files, compared byte for byte with every state the writer produced.")
            {
                kills, outages, minKill, maxKill, minOutage, maxOutage, paths, hotPaths, maxSize, settle, chunk, sample, settleTimeout, results, seed, keep,
            };
            root.SetAction(parse =>
            {
                var options = new SoakOptions
                {
                    Kills = parse.GetValue(kills),
                    BrokerOutages = parse.GetValue(outages),
                    MinKillInterval = parse.GetValue(minKill),
                    MaxKillInterval = parse.GetValue(maxKill),
                    MinOutage = parse.GetValue(minOutage),
                    MaxOutage = parse.GetValue(maxOutage),
                    Paths = parse.GetValue(paths),
                    HotPaths = parse.GetValue(hotPaths),
                    MaxFileSize = parse.GetValue(maxSize),
                    SettleTime = parse.GetValue(settle),
                    ChunkSize = parse.GetValue(chunk),
                    SampleInterval = parse.GetValue(sample),
                    SettleTimeout = parse.GetValue(settleTimeout),
                    Seed = parse.GetValue(seed) ?? Random.Shared.Next(),
                    KeepData = parse.GetValue(keep),
                };
                string? problem = Validate(options);
                if (problem != null)
                {
                    Console.Error.WriteLine(problem);
                    return 2;
                }
                string resultsDirectory = Path.GetFullPath(parse.GetValue(results)
                    ?? Path.Combine(Path.GetTempPath(), "openmsistream-soak-results-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)));
                return Run(options, resultsDirectory);
            });
            return root.Parse(args).Invoke();
        }

        private static int Run(SoakOptions options, string resultsDirectory)
        {
            var run = new SoakRun(options, resultsDirectory);
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                Console.Error.WriteLine("stopping: killing the programs and the broker…");
                run.Abort();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                SoakReport report = run.Execute();
                File.WriteAllText(Path.Combine(resultsDirectory, "report.txt"), report.Render());
                Console.WriteLine();
                Console.WriteLine(report.Render(maxDetails: 10));
                return report.Passed ? 0 : 1;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"soak stopped before its end; logs so far in {resultsDirectory}");
                return 130;
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"the soak itself failed (not a finding about the product): {ex}");
                Console.Error.WriteLine($"logs in {resultsDirectory}");
                return 3;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }

        private static string? Validate(SoakOptions o)
        {
            if (o.Kills < 0 || o.BrokerOutages < 0)
            {
                return "--kills and --broker-outages cannot be negative.";
            }
            if (o.MinKillInterval <= 0 || o.MaxKillInterval < o.MinKillInterval || o.MinOutage < 0 || o.MaxOutage < o.MinOutage)
            {
                return "Intervals need 0 < min <= max.";
            }
            if (o.Paths < 1 || o.HotPaths < 0 || o.MaxFileSize < 1 || o.SettleTime < 0 || o.ChunkSize < 1 || o.SampleInterval <= 0 || o.SettleTimeout <= 0)
            {
                return "--paths, --max-file-size, --chunk-size, --sample-interval and --settle-timeout must be positive.";
            }
            return null;
        }
    }
}
