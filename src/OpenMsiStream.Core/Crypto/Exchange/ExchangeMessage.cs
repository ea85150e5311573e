namespace OpenMsiStream.Crypto.Exchange
{
    /// <summary>One Kafka record for a key-exchange topic (<c>&lt;root&gt;.subs</c>, <c>.reqs</c> or <c>.keys</c>).</summary>
    internal sealed class ExchangeMessage
    {
        public ExchangeMessage(byte[] key, byte[] value)
        {
            Key = key;
            Value = value;
        }

        /// <summary><c>msgpack([key_index, ...])</c>: the key indices asked for or answered.</summary>
        public byte[] Key { get; }

        /// <summary><c>msgpack([chain elements..., signed leaf])</c>.</summary>
        public byte[] Value { get; }
    }
}
