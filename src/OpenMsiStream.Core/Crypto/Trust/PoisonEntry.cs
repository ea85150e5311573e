using System;
using System.Collections.Generic;
using OpenMsiStream.Crypto.Encoding;

namespace OpenMsiStream.Crypto.Trust
{
    /// <summary>
    /// One restriction ("poison") of a KafkaCrypto certificate: <c>[name, value]</c> inside the
    /// certificate's poison blob. KafkaCrypto knows exactly three names; any other name makes the
    /// library reject the whole chain, so parsing rejects it too rather than silently ignoring a
    /// restriction the issuer meant to impose.
    /// </summary>
    internal sealed class PoisonEntry
    {
        public const string Topics = "topics";
        public const string Usages = "usages";
        public const string PathLength = "pathlen";

        // Python ints are unbounded; real chains use single digits. Bounding keeps the -1 per level
        // arithmetic far from overflow without changing any realistic outcome.
        private const long MaxAbsPathLength = int.MaxValue;

        private PoisonEntry(string name, IReadOnlyList<byte[]> values, long? pathLength)
        {
            Name = name;
            Values = values;
            Length = pathLength;
        }

        /// <summary><see cref="Topics"/>, <see cref="Usages"/> or <see cref="PathLength"/>.</summary>
        public string Name { get; }

        /// <summary>The literal values (or <c>^.*$</c>) of a topics/usages entry; empty for pathlen.</summary>
        public IReadOnlyList<byte[]> Values { get; }

        /// <summary>The value of a pathlen entry; null for topics/usages.</summary>
        public long? Length { get; }

        public bool IsList => Name != PathLength;

        public static PoisonEntry ForList(string name, IReadOnlyList<byte[]> values) =>
            name == Topics || name == Usages
                ? new PoisonEntry(name, values, null)
                : throw new ArgumentException($"'{name}' is not a list poison.", nameof(name));

        public static PoisonEntry ForPathLength(long pathLength) => new PoisonEntry(PathLength, Array.Empty<byte[]>(), pathLength);

        /// <summary>
        /// Reads one <c>[name, value]</c> pair. Names may be str or bin (Python reads both as bytes).
        /// Stricter than Python in one harmless way: the pair must have exactly two items.
        /// </summary>
        public static bool TryParse(MsgNode node, out PoisonEntry? entry, out string reason)
        {
            entry = null;
            if (!node.IsArray || node.Items.Count != 2 || !node.Items[0].IsBytes)
            {
                reason = "a poison entry is not a [name, value] pair";
                return false;
            }
            string name = node.Items[0].AsText();
            MsgNode value = node.Items[1];
            switch (name)
            {
                case Topics:
                case Usages:
                    if (!value.IsArray)
                    {
                        reason = $"poison '{name}' is not a list";
                        return false;
                    }
                    var values = new List<byte[]>(value.Items.Count);
                    foreach (MsgNode item in value.Items)
                    {
                        if (!item.IsBytes)
                        {
                            reason = $"poison '{name}' holds a {item.Kind}, not text";
                            return false;
                        }
                        values.Add(item.Bytes);
                    }
                    entry = new PoisonEntry(name, values, null);
                    reason = string.Empty;
                    return true;
                case PathLength:
                    if (value.Kind != MsgKind.Integer || value.UnsignedInteger.HasValue || Math.Abs(value.Integer) > MaxAbsPathLength)
                    {
                        reason = "poison 'pathlen' is not a (reasonable) integer";
                        return false;
                    }
                    entry = new PoisonEntry(name, Array.Empty<byte[]>(), value.Integer);
                    reason = string.Empty;
                    return true;
                default:
                    reason = $"unknown poison '{Printable(node.Items[0].Bytes)}'";
                    return false;
            }
        }

        private static string Printable(byte[] bytes)
        {
            string text = System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 40));
            return text.Replace("\r", "\\r").Replace("\n", "\\n");
        }

        public override string ToString() =>
            IsList ? $"{Name}=[{string.Join(", ", ValuesAsText())}]" : $"{Name}={Length}";

        private IEnumerable<string> ValuesAsText()
        {
            foreach (byte[] value in Values)
            {
                yield return Printable(value);
            }
        }
    }
}
