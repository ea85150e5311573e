using System.Collections.Generic;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// Packs poison lists the way KafkaCrypto does. Two byte-level styles exist and both matter for
    /// byte-identical output: freshly written leaves use Python str for names and values
    /// (<see cref="ForLeaf"/>), while the effective poison that <c>process_chain</c> re-packs keeps the
    /// values as the bytes it unpacked, i.e. bin (<see cref="Pack"/>).
    /// </summary>
    internal static class PoisonWriter
    {
        /// <summary><c>msgpack([["topics",[root]],["usages",[usages...]]])</c>, all text as str.</summary>
        public static byte[] ForLeaf(string root, params string[] usages)
        {
            var writer = new MsgWriter().ArrayHeader(2);
            writer.ArrayHeader(2).Str(PoisonEntry.Topics).ArrayHeader(1).Str(root);
            writer.ArrayHeader(2).Str(PoisonEntry.Usages).ArrayHeader(usages.Length);
            foreach (string usage in usages)
            {
                writer.Str(usage);
            }
            return writer.ToArray();
        }

        /// <summary>Names as str, values as bin, pathlen as int: Python's re-packed effective poison.</summary>
        public static byte[] Pack(IReadOnlyList<PoisonEntry> poisons)
        {
            var writer = new MsgWriter().ArrayHeader(poisons.Count);
            foreach (PoisonEntry entry in poisons)
            {
                writer.ArrayHeader(2).Str(entry.Name);
                if (entry.IsList)
                {
                    writer.ArrayHeader(entry.Values.Count);
                    foreach (byte[] value in entry.Values)
                    {
                        writer.Bin(value);
                    }
                }
                else
                {
                    writer.Int(entry.Length!.Value);
                }
            }
            return writer.ToArray();
        }
    }
}
