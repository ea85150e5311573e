using System;
using System.Collections.Generic;
using System.Threading;
using OpenMsiStream.Crypto.Data;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>The outcome of decrypting one Kafka message (its key and its value).</summary>
    internal sealed class DecryptedMessage
    {
        private DecryptedMessage(bool succeeded, byte[]? key, byte[]? value, string? failure)
        {
            Succeeded = succeeded;
            Key = key;
            Value = value;
            Failure = failure;
        }

        public bool Succeeded { get; }

        public byte[]? Key { get; }

        public byte[]? Value { get; }

        /// <summary>Why the message could not be decrypted (for the error record).</summary>
        public string? Failure { get; }

        public static DecryptedMessage Plain(byte[]? key, byte[]? value) => new DecryptedMessage(true, key, value, null);

        public static DecryptedMessage Failed(string reason) => new DecryptedMessage(false, null, null, reason);
    }

    /// <summary>
    /// Decrypts the messages one consumer reads. Waits as OpenMSIStream does — long for the first
    /// message, briefly afterwards — with one improvement: once the wait for a key has run out, further
    /// messages under that same key are not waited for again (a topic of many chunks whose producer is
    /// gone would otherwise stall for minutes). The key is still asked for in the background, and used
    /// as soon as it arrives.
    /// </summary>
    internal sealed class MessageDecryptor
    {
        private readonly KafkaCryptoNode _node;
        private readonly DecryptionOptions _options;
        private readonly HashSet<(string Root, KeyIndex KeyIndex)> _gaveUp = new HashSet<(string, KeyIndex)>();
        private bool _waitedOnce;

        public MessageDecryptor(KafkaCryptoNode node, DecryptionOptions options)
        {
            _node = node;
            _options = options;
        }

        public string NodeId => _node.NodeId;

        public DecryptedMessage Decrypt(string topic, byte[]? key, byte[]? value, CancellationToken cancellationToken)
        {
            string root = _node.RootOf(topic);
            if (!Open(root, key, forKafkaKey: true, cancellationToken, out byte[]? plainKey, out string? keyFailure))
            {
                return DecryptedMessage.Failed("key: " + keyFailure);
            }
            if (!Open(root, value, forKafkaKey: false, cancellationToken, out byte[]? plainValue, out string? valueFailure))
            {
                return DecryptedMessage.Failed("value: " + valueFailure);
            }
            return DecryptedMessage.Plain(plainKey, plainValue);
        }

        private bool Open(string root, byte[]? data, bool forKafkaKey, CancellationToken cancellationToken, out byte[]? plaintext, out string? failure)
        {
            plaintext = null;
            failure = null;
            if (data == null)
            {
                return true; // null is never encrypted
            }
            if (!EncryptedItem.TryParse(data, out EncryptedItem? item))
            {
                if (_options.TreatUndecryptableAsPlaintext)
                {
                    plaintext = data;
                    return true;
                }
                failure = "not encrypted with KafkaCrypto (use -TreatUndecryptableAsPlaintext for topics that mix plain and encrypted messages)";
                return false;
            }
            if (!ObtainKey(root, item!.KeyIndex, cancellationToken, out byte[] secret))
            {
                failure = cancellationToken.IsCancellationRequested
                    ? "stopped while waiting for its key"
                    : $"no key {item.KeyIndex} of root '{root}' arrived in time (its producer must be running, and node '{_node.NodeId}' must be allowed to ask for it)";
                return false;
            }
            plaintext = TopicDecryptor.Decrypt(item, secret, forKafkaKey);
            if (plaintext == null)
            {
                failure = $"authentication failed with key {item.KeyIndex} of root '{root}' (the message is corrupt or was tampered with)";
                return false;
            }
            return true;
        }

        private bool ObtainKey(string root, KeyIndex keyIndex, CancellationToken cancellationToken, out byte[] secret)
        {
            if (_node.TryGetKey(root, keyIndex, out secret))
            {
                return true;
            }
            TimeSpan wait = _gaveUp.Contains((root, keyIndex)) ? TimeSpan.Zero : _waitedOnce ? _options.Wait : _options.InitialWait;
            _waitedOnce = true;
            if (_node.WaitForKey(root, keyIndex, wait, cancellationToken, out secret))
            {
                _gaveUp.Remove((root, keyIndex));
                return true;
            }
            _gaveUp.Add((root, keyIndex));
            return false;
        }
    }
}
