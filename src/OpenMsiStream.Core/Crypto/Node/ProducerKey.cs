using OpenMsiStream.Crypto.Data;

namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// One key generation a producer has used for a root topic and must go on serving to consumers
    /// (KafkaCrypto keeps them for 7 days, in <c>oldkeys</c>, across restarts).
    /// </summary>
    internal sealed class ProducerKey
    {
        public ProducerKey(string root, KeyIndex keyIndex, byte[] secret, double birth)
        {
            Root = root;
            KeyIndex = keyIndex;
            Secret = secret;
            Birth = birth;
        }

        /// <summary>The root topic the secret belongs to.</summary>
        public string Root { get; }

        public KeyIndex KeyIndex { get; }

        /// <summary>The 32-byte topic secret. Never log it.</summary>
        public byte[] Secret { get; }

        /// <summary>When the generation was first used, in Unix seconds.</summary>
        public double Birth { get; }

        public override string ToString() => $"producer key {KeyIndex} for root '{Root}'";
    }
}
