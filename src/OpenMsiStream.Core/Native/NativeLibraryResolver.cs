using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OpenMsiStream.Native
{
    /// <summary>
    /// Finds the native libraries the product P/Invokes (librdkafka for Kafka, e_sqlite3 for the
    /// state registries) wherever the product is laid out: the PowerShell module keeps natives in
    /// <c>dependencies/&lt;rid&gt;/</c>, the CLI and tests in <c>runtimes/&lt;rid&gt;/native/</c>.
    /// </summary>
    /// <remarks>
    /// Why this exists: on Debian the full librdkafka build cannot load (libsasl2.so.3 is missing), so
    /// the centos8 variant must be tried next, and PowerShell's own native probing does not look in
    /// <c>runtimes/</c>. The resolver API (NativeLibrary) is not in netstandard2.0, so it is reached by
    /// reflection; on .NET Framework there is no resolver API and Windows libraries are loaded by full
    /// path first, after which DllImport binds to the module already in the process. Mono (the stand-in
    /// for .NET Framework that the tests run on Linux) has no resolver API either and does not bind a
    /// DllImport to a library loaded by path, so there each library name is mapped to the file with
    /// Mono's own embedding API (mono_dllmap_insert): on Linux those are the linux .so files.
    /// </remarks>
    internal static class NativeLibraryResolver
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, string> Loaded = new Dictionary<string, string>(StringComparer.Ordinal);
        private static bool _installed;

        /// <summary>The libraries, each with its file names per OS, best variant first.</summary>
        private static readonly NativeLibrarySpec[] Libraries =
        {
            // Confluent's order on Linux: the full build (needs libsasl2.so.3), the build without GSSAPI
            // that runs on Debian/Ubuntu, then the musl build for Alpine.
            new NativeLibrarySpec("librdkafka", "librdkafka", new[] { "librdkafka.dll" }, new[] { "librdkafka.dylib" }, new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" }),
            new NativeLibrarySpec("e_sqlite3", "e_sqlite3", new[] { "e_sqlite3.dll" }, new[] { "libe_sqlite3.dylib" }, new[] { "libe_sqlite3.so" }),
            // KafkaCrypto's primitives (Sodium.Core imports "libsodium").
            new NativeLibrarySpec("sodium", "libsodium", new[] { "libsodium.dll" }, new[] { "libsodium.dylib" }, new[] { "libsodium.so" }),
        };

        /// <summary>Full path of each library this resolver loaded, by library name.</summary>
        public static IReadOnlyDictionary<string, string> LoadedPaths
        {
            get
            {
                lock (Gate)
                {
                    return new Dictionary<string, string>(Loaded);
                }
            }
        }

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
                    foreach (Assembly assembly in PInvokingAssemblies())
                    {
                        TryInstallFor(assembly, setResolver);
                    }
                }
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    PreloadOnNetFramework();
                }
                else if (IsMono)
                {
                    MapOnMono();
                }
            }
        }

        private static IEnumerable<Assembly> PInvokingAssemblies()
        {
            yield return typeof(NativeLibraryResolver).Assembly;
            yield return typeof(Confluent.Kafka.Library).Assembly;
            yield return typeof(Sodium.SodiumCore).Assembly;
            Assembly? sqliteProvider = LoadOptional("SQLitePCLRaw.provider.e_sqlite3");
            if (sqliteProvider != null)
            {
                yield return sqliteProvider;
            }
        }

        private static Assembly? LoadOptional(string name)
        {
            try
            {
                return Assembly.Load(new AssemblyName(name));
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is FileLoadException || ex is BadImageFormatException)
            {
                return null;
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
            NativeLibrarySpec? spec = Find(libraryName);
            if (spec == null)
            {
                return IntPtr.Zero;
            }
            foreach (string path in CandidatePaths(spec))
            {
                if (File.Exists(path) && NativeLibraryApi.TryLoad(path, out IntPtr handle))
                {
                    lock (Gate)
                    {
                        Loaded[spec.Name] = path;
                    }
                    return handle;
                }
            }
            return IntPtr.Zero; // fall back to the runtime's default probing
        }

        /// <summary>
        /// .NET Framework (Windows PowerShell 5.1): load each library by full path; librdkafka through
        /// Confluent's own loader, which also finds its sibling DLLs.
        /// </summary>
        private static void PreloadOnNetFramework()
        {
            foreach (NativeLibrarySpec spec in Libraries)
            {
                string? path = CandidatePaths(spec).FirstOrDefault(File.Exists);
                if (path == null)
                {
                    continue;
                }
                if (spec.Name == "librdkafka")
                {
                    Confluent.Kafka.Library.Load(path);
                }
                else
                {
                    WindowsNative.LoadLibraryEx(path, IntPtr.Zero, WindowsNative.LoadWithAlteredSearchPath);
                }
                Loaded[spec.Name] = path;
            }
        }

        /// <summary>Whether this is the Mono runtime (it defines Mono.Runtime).</summary>
        public static bool IsMono { get; } = Type.GetType("Mono.Runtime", throwOnError: false) != null;

        /// <summary>
        /// Mono on Linux or macOS: every DllImport name of a library (Confluent's and ours "librdkafka",
        /// Sodium.Core's "libsodium", SQLitePCLRaw's "e_sqlite3") is mapped to the first of its files that
        /// loads. librdkafka is loaded through Confluent's own loader, which also proves the file loads
        /// (the full Linux build needs libsasl2.so.3, which Debian lacks).
        /// </summary>
        private static void MapOnMono()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                // Confluent's loader calls dlopen through [DllImport("libdl")]; glibc names it libdl.so.2
                // (libdl.so exists only with the C development files).
                MonoNative.Map("libdl", "libdl.so.2");
            }
            foreach (NativeLibrarySpec spec in Libraries)
            {
                // Mono keeps the first mapping of a name, so only a file that loads is mapped.
                string? path = CandidatePaths(spec).Where(File.Exists).FirstOrDefault(MonoNative.Loads);
                if (path == null)
                {
                    continue;
                }
                MonoNative.Map(spec.DllImportName, path);
                if (spec.Name == "librdkafka")
                {
                    Confluent.Kafka.Library.Load(path);
                }
                Loaded[spec.Name] = path;
            }
        }

        private static NativeLibrarySpec? Find(string libraryName)
        {
            string file = Path.GetFileNameWithoutExtension(libraryName);
            if (file.StartsWith("lib", StringComparison.Ordinal) && !file.EndsWith("librdkafka", StringComparison.OrdinalIgnoreCase))
            {
                file = file.Substring(3);
            }
            return Libraries.FirstOrDefault(l => file.EndsWith(l.Name, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>Every place a library's file may sit, best variant first.</summary>
        internal static IEnumerable<string> CandidatePaths(NativeLibrarySpec spec)
        {
            string baseDir = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location) ?? AppContext.BaseDirectory;
            string rid = RuntimeIdentifier();
            var directories = new List<string>
            {
                Path.Combine(baseDir, rid),
                Path.Combine(baseDir, "runtimes", rid, "native"),
                baseDir,
                Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"),
            };
            if (rid.StartsWith("linux-", StringComparison.Ordinal))
            {
                // Alpine (musl): the glibc builds above fail to load there, so the musl builds come next.
                string musl = "linux-musl-" + rid.Substring("linux-".Length);
                directories.Add(Path.Combine(baseDir, musl));
                directories.Add(Path.Combine(baseDir, "runtimes", musl, "native"));
                directories.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", musl, "native"));
            }
            foreach (string dir in directories.Distinct(StringComparer.Ordinal))
            {
                foreach (string file in spec.FileNames())
                {
                    yield return Path.Combine(dir, file);
                }
            }
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

        /// <summary>Mono's embedding API, exported by the runtime itself.</summary>
        private static class MonoNative
        {
            private const int RtldNow = 2;

            public static void Map(string dllImportName, string path) => mono_dllmap_insert(IntPtr.Zero, dllImportName, null, path, null);

            /// <summary>Whether the file loads here (its own dependencies found); it stays loaded, as it will be used.</summary>
            public static bool Loads(string path) => dlopen(path, RtldNow) != IntPtr.Zero;

            [DllImport("libdl", CharSet = CharSet.Ansi)]
            private static extern IntPtr dlopen(string file, int mode);

            [DllImport("__Internal", CharSet = CharSet.Ansi)]
            private static extern void mono_dllmap_insert(IntPtr assembly, string dll, string? func, string tdll, string? tfunc);
        }

        private static class WindowsNative
        {
            public const uint LoadWithAlteredSearchPath = 0x00000008;

            [DllImport("kernel32", SetLastError = true, CharSet = CharSet.Unicode)]
            public static extern IntPtr LoadLibraryEx(string fileName, IntPtr reserved, uint flags);
        }
    }

    /// <summary>A native library and its file names on each OS.</summary>
    internal sealed class NativeLibrarySpec
    {
        private readonly string[] _windows;
        private readonly string[] _mac;
        private readonly string[] _linux;

        public NativeLibrarySpec(string name, string dllImportName, string[] windows, string[] mac, string[] linux)
        {
            Name = name;
            DllImportName = dllImportName;
            _windows = windows;
            _mac = mac;
            _linux = linux;
        }

        public string Name { get; }

        /// <summary>The name the P/Invoking assemblies give in [DllImport].</summary>
        public string DllImportName { get; }

        public IEnumerable<string> FileNames() =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? _windows
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? _mac
            : _linux;
    }
}
