using System;
using System.IO;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// Holds a node identity for this process. Two processes on one node would step the same ratchet and
    /// count the same salts, so they would encrypt different data under the same (key, nonce) — which
    /// breaks XSalsa20-Poly1305 completely. KafkaCrypto does not prevent it; we do, with an exclusive
    /// lock on a file beside the node's files. The operating system drops the lock when the process
    /// dies, even on kill -9, so a crash never leaves the node locked.
    /// </summary>
    internal sealed class NodeLock : IDisposable
    {
        private readonly FileStream _stream;

        private NodeLock(FileStream stream, string path)
        {
            _stream = stream;
            Path = path;
        }

        public string Path { get; }

        public static NodeLock Acquire(string nodeDirectory, string nodeId)
        {
            string path = System.IO.Path.Combine(nodeDirectory, nodeId + ".lock");
            try
            {
                // FileShare.None is an exclusive flock() on Unix and a sharing-mode lock on Windows.
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new NodeLock(stream, path);
            }
            catch (IOException ex) when (!(ex is FileNotFoundException) && !(ex is DirectoryNotFoundException))
            {
                throw new OpenMsiStreamException(ErrorIds.CryptoNodeInUse,
                    $"KafkaCrypto node '{nodeId}' is already in use by another process (lock '{path}'). Two programs on one node identity would reuse encryption keys and nonces; give each program its own node (New-MsiCryptoNode).",
                    ex, target: nodeId);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new OpenMsiStreamException(ErrorIds.CryptoNodeInvalid,
                    $"Cannot create the lock file '{path}' for KafkaCrypto node '{nodeId}': {ex.Message}", ex, target: path);
            }
        }

        public void Dispose() => _stream.Dispose();
    }
}
