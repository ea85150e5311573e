using System;
using System.Collections.Generic;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Upload
{
    /// <summary>
    /// The relative paths one send command has used: a second file under a path already used by another
    /// file is refused, since every receiver would keep only one of them (Get-ChildItem -Recurse, or
    /// `upload-file a/x.csv b/x.csv`, without a root directory: both are "x.csv"). Sending the same file
    /// twice is allowed.
    /// </summary>
    public sealed class RelativePathClaims
    {
        private readonly Dictionary<string, string> _claimed = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly string _rootOption;

        /// <param name="rootOption">The option that keeps subdirectories, as the user writes it (-RootDirectory, --root-directory).</param>
        public RelativePathClaims(string rootOption) => _rootOption = rootOption;

        /// <summary>Claims the file's relative path, or throws InvalidArgument naming the file that has it.</summary>
        public void Claim(FileToSend file)
        {
            if (_claimed.TryGetValue(file.RelativePath, out string? first) && !string.Equals(first, file.FullPath, StringComparison.Ordinal))
            {
                throw new OpenMsiStreamException(ErrorIds.InvalidArgument,
                    $"'{file.FullPath}' is not sent: '{first}' is already sent as '{file.RelativePath}' by this command, and receivers would keep only one. Give {_rootOption} so that subdirectories are kept.",
                    target: file.FullPath);
            }
            _claimed[file.RelativePath] = file.FullPath;
        }
    }
}
