using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OpenMsiStream.Native
{
    /// <summary>
    /// Finds librdkafka for the P/Invokes of this assembly and of Confluent.Kafka, wherever the
    /// product is laid out: the PowerShell module keeps natives in <c>dependencies/&lt;rid&gt;/</c>,
    /// the CLI and tests in <c>runtimes/&lt;rid&gt;/native/</c>.
    /// </summary>
    /// <remarks>
    /// Why this exists: on Debian the full librdkafka build cannot load (libsasl2.so.3 is missing), so
    /// the centos8 variant must be tried next, and PowerShell's own native probing does not look in
    /// <c>runtimes/</c>. The resolver API (NativeLibrary) is not in netstandard2.0, so it is reached by
    /// reflection; on .NET Framework there is no resolver API and Windows loading is done by path.
    /// </remarks>
    internal static class LibRdKafkaResolver
    {
        private static readonly object Gate = new object();
        private static bool _installed;
        private static string? _loadedPath;

        /// <summary>The full path of the librdkafka file this resolver loaded, if it loaded one.</summary>
        public static string? LoadedPath => _loadedPath;

        /// <summary>Installs the resolver once per process. Safe to call from every entry point.</summary>
        public static void EnsureInstalled()
        {
            lock (Gate)
            {
                if (_installed)
                {
                    return;
                }
                _installed = true;
                var setResolver = NativeLibraryApi.SetDllImportResolver;
                if (setResolver != null)
                {
                    TryInstallFor(typeof(LibRdKafkaResolver).Assembly, setResolver);
                    TryInstallFor(typeof(Confluent.Kafka.Library).Assembly, setResolver);
                }
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    // .NET Framework (Windows PowerShell 5.1): load by full path once; later
                    // DllImport("librdkafka") binds to the module already in the process.
                    string? path = CandidatePaths().FirstOrDefault(File.Exists);
                    if (path != null)
                    {
                        Confluent.Kafka.Library.Load(path);
                        _loadedPath = path;
                    }
                }
            }
        }

        private static void TryInstallFor(Assembly assembly, Action<Assembly, Delegate> setResolver)
        {
            try
            {
                setResolver(assembly, NativeLibraryApi.CreateResolver(Resolve));
            }
            catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException)
            {
                // The assembly already has a resolver (a newer Confluent build sets its own): keep it.
            }
        }

        private static IntPtr Resolve(string libraryName, Assembly assembly)
        {
            if (!IsLibRdKafka(libraryName))
            {
                return IntPtr.Zero;
            }
            foreach (string path in CandidatePaths())
            {
                if (File.Exists(path) && NativeLibraryApi.TryLoad(path, out IntPtr handle))
                {
                    _loadedPath = path;
                    return handle;
                }
            }
            return IntPtr.Zero; // fall back to the runtime's default probing
        }

        private static bool IsLibRdKafka(string name)
        {
            string file = Path.GetFileNameWithoutExtension(name);
            return file.EndsWith("librdkafka", StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>Every place a librdkafka file may sit, best variant first.</summary>
        internal static IEnumerable<string> CandidatePaths()
        {
            string baseDir = Path.GetDirectoryName(typeof(LibRdKafkaResolver).Assembly.Location) ?? AppContext.BaseDirectory;
            string rid = RuntimeIdentifier();
            var directories = new[]
            {
                Path.Combine(baseDir, rid),
                Path.Combine(baseDir, "runtimes", rid, "native"),
                baseDir,
                Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"),
            };
            foreach (string dir in directories.Distinct(StringComparer.Ordinal))
            {
                foreach (string file in FileNames())
                {
                    yield return Path.Combine(dir, file);
                }
            }
        }

        private static IEnumerable<string> FileNames()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return new[] { "librdkafka.dll" };
            }
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                return new[] { "librdkafka.dylib" };
            }
            // Confluent's order: the full build (needs libsasl2.so.3), then the build without
            // GSSAPI that runs on Debian/Ubuntu, then the musl build for Alpine.
            return new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" };
        }

        private static string RuntimeIdentifier()
        {
            string os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X86 => "x86",
                Architecture.Arm64 => "arm64",
                Architecture.Arm => "arm",
                _ => "x64",
            };
            return os + "-" + arch;
        }
    }
}
