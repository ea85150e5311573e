using System;
using OpenMsiStream.Diagnostics;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// The exceptions the node-file readers throw, built in one place so that every message names the
    /// file and what is wrong with it and never quotes file content (which may be secret key material).
    /// </summary>
    internal static class NodeErrors
    {
        public static OpenMsiStreamException NotFound(string path, string what) =>
            new OpenMsiStreamException(ErrorIds.CryptoNodeNotFound,
                $"The KafkaCrypto {what} '{path}' does not exist. Provision the node first, or check the path.",
                target: path);

        public static OpenMsiStreamException Invalid(string path, string problem, Exception? inner = null) =>
            new OpenMsiStreamException(ErrorIds.CryptoNodeInvalid,
                $"The KafkaCrypto node file '{path}' is not usable: {problem}.", inner, path);

        public static OpenMsiStreamException Unsupported(string path, string problem) =>
            new OpenMsiStreamException(ErrorIds.CryptoUnsupported,
                $"The KafkaCrypto node file '{path}' needs a feature this version does not support: {problem}.", target: path);

        public static OpenMsiStreamException Unreadable(string path, Exception inner) =>
            new OpenMsiStreamException(ErrorIds.CryptoNodeInvalid,
                $"The KafkaCrypto node file '{path}' could not be read: {inner.Message}", inner, path);

        public static OpenMsiStreamException Unwritable(string path, Exception inner) =>
            new OpenMsiStreamException(ErrorIds.CryptoNodeInvalid,
                $"The KafkaCrypto node file '{path}' could not be written: {inner.Message}", inner, path);
    }
}
