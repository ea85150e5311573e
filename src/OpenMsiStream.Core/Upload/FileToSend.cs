using System;
using System.IO;
using System.Runtime.InteropServices;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Upload
{
    /// <summary>A file and the directory it is sent relative to (which decides the consumer-side path).</summary>
    public sealed class FileToSend
    {
        private FileToSend(string fullPath, string rootDirectory, string subdirectory)
        {
            FullPath = fullPath;
            RootDirectory = rootDirectory;
            Subdirectory = subdirectory;
        }

        public string FullPath { get; }

        public string RootDirectory { get; }

        /// <summary>POSIX directory of the file relative to <see cref="RootDirectory"/>; empty at the top level.</summary>
        public string Subdirectory { get; }

        public string RelativePath => Subdirectory.Length == 0 ? Path.GetFileName(FullPath) : Subdirectory + "/" + Path.GetFileName(FullPath);

        /// <summary>User metadata sent with the file as a Kafka header (<see cref="Wire.FileMetadata"/>).</summary>
        public Wire.FileMetadata Metadata { get; private set; } = Wire.FileMetadata.None;

        /// <summary>This file with <paramref name="metadata"/>.</summary>
        public FileToSend WithMetadata(Wire.FileMetadata metadata) => new FileToSend(FullPath, RootDirectory, Subdirectory) { Metadata = metadata };

        /// <summary>
        /// <paramref name="path"/> relative to <paramref name="rootDirectory"/>, or to its own directory
        /// when no root is given (as OpenMSIStream's UploadDataFile does).
        /// </summary>
        public static FileToSend Create(string path, string? rootDirectory = null)
        {
            // Before GetFullPath: on Windows it turns a device name such as C:\data\aux.csv into \\.\aux.
            string? nameProblem = Wire.SafeRelativePath.ProblemInName(Path.GetFileName(path));
            if (nameProblem != null)
            {
                throw Refused(Path.GetFileName(path), nameProblem, path);
            }
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                throw new OpenMsiStreamException(ErrorIds.FileNotFound,
                    $"'{full}' is a directory. Send the files in it (for example Get-ChildItem -File -Recurse | Send-MsiDataFile -RootDirectory '{full}').", target: full);
            }
            string fileDirectory = Path.GetDirectoryName(full)!;
            string root = rootDirectory == null ? fileDirectory : TrimSeparators(Path.GetFullPath(rootDirectory));
            if (PathsEqual(fileDirectory, root))
            {
                return Checked(new FileToSend(full, root, string.Empty));
            }
            string prefix = root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? root : root + Path.DirectorySeparatorChar;
            if (!fileDirectory.StartsWith(prefix, PathComparison))
            {
                throw new OpenMsiStreamException(ErrorIds.FileOutsideRootDirectory,
                    $"File '{full}' is not inside the root directory '{root}'.", target: full);
            }
            string relative = fileDirectory.Substring(prefix.Length);
            if (Path.DirectorySeparatorChar != '/')
            {
                relative = relative.Replace(Path.DirectorySeparatorChar, '/');
            }
            return Checked(new FileToSend(full, root, relative));
        }

        /// <summary>
        /// A name every receiver refuses (a backslash, a Windows device name such as aux.csv) is refused here,
        /// where it can be renamed. The name first, then the file: a name every receiver refuses is refused even where it cannot be
        /// read as a file (aux.csv is the AUX device to Windows before Windows 11).
        /// </summary>
        private static FileToSend Checked(FileToSend file)
        {
            string? problem = Wire.SafeRelativePath.ProblemOnEveryReceiver(file.RelativePath);
            if (problem != null)
            {
                throw Refused(file.RelativePath, problem, file.FullPath);
            }
            if (!File.Exists(file.FullPath))
            {
                throw new OpenMsiStreamException(ErrorIds.FileNotFound, $"File '{file.FullPath}' does not exist.", target: file.FullPath);
            }
            return file;
        }

        private static OpenMsiStreamException Refused(string relativePath, string problem, string target) =>
            new OpenMsiStreamException(ErrorIds.UnsafePath,
                $"'{relativePath}' is not sent: {problem}, so no receiver would write it. Rename it.", target: target);

        private static StringComparison PathComparison => FileSystem.PathRules.Comparison;

        private static bool PathsEqual(string a, string b) => string.Equals(TrimSeparators(a), TrimSeparators(b), PathComparison);

        private static string TrimSeparators(string path)
        {
            string trimmed = path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            return trimmed.Length == 0 || trimmed.EndsWith(":", StringComparison.Ordinal) ? path : trimmed; // keep "/" and "C:\"
        }
    }
}
