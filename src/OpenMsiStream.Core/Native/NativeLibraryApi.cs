using System;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OpenMsiStream.Native
{
    /// <summary>
    /// Reflection access to System.Runtime.InteropServices.NativeLibrary, which exists on .NET Core 3+
    /// but not in the netstandard2.0 surface this assembly compiles against. Null members mean the
    /// running framework does not have it (.NET Framework).
    /// </summary>
    internal static class NativeLibraryApi
    {
        private static readonly Type? NativeLibraryType = Type.GetType("System.Runtime.InteropServices.NativeLibrary", throwOnError: false);
        private static readonly Type? ResolverDelegateType = Type.GetType("System.Runtime.InteropServices.DllImportResolver", throwOnError: false);

        private static readonly MethodInfo? TryLoadByPath = NativeLibraryType?.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == "TryLoad" && m.GetParameters().Length == 2);

        private static readonly MethodInfo? SetResolverMethod = NativeLibraryType?.GetMethod("SetDllImportResolver", BindingFlags.Public | BindingFlags.Static);

        public static Action<Assembly, Delegate>? SetDllImportResolver =>
            SetResolverMethod == null ? null : (assembly, resolver) => SetResolverMethod.Invoke(null, new object[] { assembly, resolver });

        public static bool TryLoad(string path, out IntPtr handle)
        {
            handle = IntPtr.Zero;
            if (TryLoadByPath == null)
            {
                return false;
            }
            object?[] args = { path, IntPtr.Zero };
            bool loaded = (bool)TryLoadByPath.Invoke(null, args)!;
            handle = (IntPtr)args[1]!;
            return loaded;
        }

        /// <summary>Wraps a (name, assembly) callback in the runtime's DllImportResolver delegate type.</summary>
        public static Delegate CreateResolver(Func<string, Assembly, IntPtr> resolve)
        {
            var adapter = new ResolverAdapter(resolve);
            MethodInfo invoke = typeof(ResolverAdapter).GetMethod(nameof(ResolverAdapter.Resolve))!;
            return Delegate.CreateDelegate(ResolverDelegateType!, adapter, invoke);
        }

        private sealed class ResolverAdapter
        {
            private readonly Func<string, Assembly, IntPtr> _resolve;

            public ResolverAdapter(Func<string, Assembly, IntPtr> resolve) => _resolve = resolve;

            // Signature matches DllImportResolver(string, Assembly, DllImportSearchPath?).
            public IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) => _resolve(libraryName, assembly);
        }
    }
}
