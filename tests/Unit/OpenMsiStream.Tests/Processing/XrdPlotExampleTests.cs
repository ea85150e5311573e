using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;
using OpenMsiStream.Tests.Common;
using Xunit;

namespace OpenMsiStream.Tests.Processing
{
    /// <summary>
    /// The worked example in examples/XrdPlot, run as a separate program on the XrdMetadata sample data,
    /// as `openmsistream process ... -- xrdplot {path} plots/{relativePath}.png` runs it.
    /// </summary>
    public class XrdPlotExampleTests : IDisposable
    {
        private static readonly string SampleData = Path.Combine(RepoRoot.Path, "examples", "XrdMetadata", "sample-data");
        private static readonly byte[] PngSignature = { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        private readonly TempDirectory _temp = new TempDirectory("xrdplot");

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void ASampleFileBecomesAPngInADirectoryCreatedForIt()
        {
            string output = _temp.Combine("plots", "2026", "SC001_XRD.csv.png");

            (int exitCode, string stdout, string stderr) = RunXrdPlot(Path.Combine(SampleData, "SC001_XRD.csv"), output);

            Assert.True(exitCode == 0, $"exit code {exitCode}\nstdout:\n{stdout}\nstderr:\n{stderr}");
            byte[] png = File.ReadAllBytes(output);
            Assert.Equal(PngSignature, png.Take(8));
            // The first chunk is IHDR: 4-byte length, "IHDR", then width and height, big-endian.
            Assert.Equal("IHDR", Encoding.ASCII.GetString(png, 12, 4));
            Assert.Equal(1000, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16))); // XrdPlotter.Width
            Assert.Equal(600, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))); // XrdPlotter.Height
            Assert.Contains("\"sampleId\":\"SC001\",\"points\":3001", stdout);
            Assert.Equal(new[] { output }, Directory.GetFiles(_temp.Combine("plots", "2026"))); // no .partial left behind
        }

        [Fact]
        public void AFileWithoutScanPointsFailsWithOneLineAndWritesNothing()
        {
            string output = _temp.Combine("plots", "notes_without_conditions.csv.png");

            (int exitCode, string stdout, string stderr) = RunXrdPlot(Path.Combine(SampleData, "notes_without_conditions.csv"), output);

            Assert.Equal(1, exitCode);
            Assert.Equal("xrdplot: 'notes_without_conditions.csv' has no [Scan points] block.", stderr.Trim());
            Assert.Equal(string.Empty, stdout);
            Assert.False(Directory.Exists(_temp.Combine("plots")), "nothing is written, not even the output directory");
        }

        [Fact]
        public void AnEmptyScanPointsBlockFailsAndWritesNothing()
        {
            string input = _temp.WriteFile("empty_XRD.csv", Encoding.UTF8.GetBytes("[Measurement conditions]\nSample ID,SC009\n[Scan points]\nAngle,Intensity\n"));
            string output = _temp.Combine("plots", "empty_XRD.csv.png");

            (int exitCode, _, string stderr) = RunXrdPlot(input, output);

            Assert.Equal(1, exitCode);
            Assert.Equal("xrdplot: 'empty_XRD.csv' has no points in its [Scan points] block.", stderr.Trim());
            Assert.False(Directory.Exists(_temp.Combine("plots")));
        }

        /// <summary>`dotnet xrdplot.dll IN OUT`: the dll the XrdPlot project built (its path is baked in by OpenMsiStream.Tests.csproj).</summary>
        private static (int ExitCode, string Stdout, string Stderr) RunXrdPlot(string input, string output)
        {
            string assembly = typeof(XrdPlotExampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "XrdPlotAssembly").Value ?? string.Empty;
            Assert.True(File.Exists(assembly), $"xrdplot.dll, built by the XrdPlot project reference, at '{assembly}'");
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            start.ArgumentList.Add(assembly);
            start.ArgumentList.Add(input);
            start.ArgumentList.Add(output);
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("xrdplot did not finish within a minute.");
            }
            process.WaitForExit(); // and its output is read to the end
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
