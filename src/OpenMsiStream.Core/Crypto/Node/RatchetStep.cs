namespace OpenMsiStream.Crypto.Node
{
    /// <summary>
    /// The ratchet state a process runs with: the index (which names its key generation) and the
    /// 32-byte secret from which every topic secret of that generation derives. Never log the secret.
    /// </summary>
    internal sealed class RatchetStep
    {
        public RatchetStep(long index, byte[] secret)
        {
            Index = index;
            Secret = secret;
        }

        public long Index { get; }

        public byte[] Secret { get; }

        public override string ToString() => $"ratchet index {Index}";
    }
}
