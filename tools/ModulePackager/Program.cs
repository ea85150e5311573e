using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NuGet.Packaging;
using NuGet.Versioning;

namespace OpenMsiStream.ModulePackager
{
    /// <summary>
    /// <c>ModulePackager &lt;module folder&gt; &lt;output folder&gt;</c>: writes &lt;output&gt;/OpenMsiStream.&lt;version&gt;.nupkg.
    /// The manifest is read by PowerShell itself (Import-Module), so the package says what the module says.
    /// </summary>
    internal static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: ModulePackager <module folder> <output folder>");
                return 2;
            }
            string moduleDirectory = Path.GetFullPath(args[0]);
            string outputDirectory = Path.GetFullPath(args[1]);
            PSModuleInfo module = Import(Path.Combine(moduleDirectory, Path.GetFileName(moduleDirectory.TrimEnd('/', '\\')) + ".psd1"));
            var builder = new PackageBuilder
            {
                Id = module.Name,
                Version = NuGetVersion.Parse(module.Version.ToString()),
                Description = module.Description,
                Copyright = module.Copyright,
                ReleaseNotes = module.ReleaseNotes,
                RequireLicenseAcceptance = false,
            };
            builder.Authors.Add(module.Author);
            builder.Owners.Add(module.CompanyName);
            if (module.ProjectUri != null)
            {
                builder.ProjectUrl = module.ProjectUri;
            }
            if (module.LicenseUri != null)
            {
                builder.LicenseUrl = module.LicenseUri;
            }
            // The tags PowerShellGet's Publish-Module adds: Find-Module -Command and -Includes search them.
            builder.Tags.AddRange(module.Tags.Concat(new[] { "PSModule", "PSIncludes_Cmdlet" })
                .Concat(module.ExportedCmdlets.Keys.OrderBy(k => k, StringComparer.Ordinal).SelectMany(c => new[] { "PSCmdlet_" + c, "PSCommand_" + c }))
                .Distinct(StringComparer.OrdinalIgnoreCase));
            foreach (string file in Directory.EnumerateFiles(moduleDirectory, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                builder.Files.Add(new PhysicalPackageFile
                {
                    SourcePath = file,
                    TargetPath = Path.GetRelativePath(moduleDirectory, file).Replace('\\', '/'),
                });
            }
            Directory.CreateDirectory(outputDirectory);
            string package = Path.Combine(outputDirectory, $"{builder.Id}.{builder.Version.ToNormalizedString()}.nupkg");
            using (FileStream stream = File.Create(package))
            {
                builder.Save(stream);
            }
            Console.WriteLine($"ModulePackager: {package} ({builder.Files.Count} files)");
            return 0;
        }

        private static PSModuleInfo Import(string manifest)
        {
            using System.Management.Automation.PowerShell ps = System.Management.Automation.PowerShell.Create(InitialSessionState.CreateDefault2());
            ps.AddCommand("Import-Module").AddParameter("Name", manifest).AddParameter("PassThru");
            return (PSModuleInfo)ps.Invoke().Single().BaseObject;
        }
    }
}
