using System;
using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Config;
using OpenMsiStream.Crypto.Data;
using OpenMsiStream.Crypto.Node;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Kafka;

namespace OpenMsiStream.Crypto.Runtime
{
    /// <summary>
    /// A KafkaCrypto node identity in use by this process: its keys, its ratchet and its key-exchange
    /// loop. Every program that reads the same config in one process (a sender and its heartbeats, a
    /// processor and its result producer) shares one instance, counted by <see cref="Acquire"/> and
    /// <see cref="Release"/>; the node's lock keeps other processes off it.
    /// </summary>
    internal sealed class KafkaCryptoNode
    {
        private static readonly object OpenGate = new object();
        private static readonly Dictionary<string, KafkaCryptoNode> Open = new Dictionary<string, KafkaCryptoNode>(StringComparer.Ordinal);

        private readonly object _gate = new object();
        private readonly NodeLock _lock;
        private readonly KeyRing _ring = new KeyRing();
        private readonly Dictionary<string, RootEncryption> _roots = new Dictionary<string, RootEncryption>(StringComparer.Ordinal);
        private readonly KeyExchangeService _exchange;
        private readonly Func<double> _clock;
        private RatchetStep _ratchet;
        private DateTime _ratchetedAt;
        private int _users;

        private KafkaCryptoNode(string configPath, KafkaSettings settings, ClientDiagnostics diagnostics)
        {
            ConfigPath = configPath;
            CryptoNodeFiles files = CryptoNodeFiles.Load(configPath);
            _lock = NodeLock.Acquire(files.DirectoryPath, files.NodeId);
            try
            {
                Files = files;
                if (files.ChainElements.Count == 0)
                {
                    throw new OpenMsiStreamException(ErrorIds.CryptoNodeInvalid,
                        $"KafkaCrypto node '{files.NodeId}' has no certificate chain ('{configPath}'); provision it with New-MsiCryptoNode (KafkaCrypto would sign with its public temporary root, which we never do).",
                        target: configPath);
                }
                _clock = UnixNow;
                _ratchet = Ratchet.Advance(files.SeedPath);
                _ratchetedAt = DateTime.UtcNow;
                foreach (ProducerKey old in OldKeys.Read(files).Where(k => k.Birth >= _clock() - Files.MaxProducerKeyAge))
                {
                    _ring.AddOwn(old);
                }
                _exchange = new KeyExchangeService(settings, files, _ring, diagnostics, _clock, onRound: RatchetIfDue);
                foreach (string root in _ring.OwnRoots())
                {
                    _exchange.Serve(root); // keys sent by earlier runs can still be asked for
                }
            }
            catch
            {
                _lock.Dispose();
                throw;
            }
        }

        /// <summary>
        /// For interactive hosts (the PowerShell module): a node stays open after its last user ends, so
        /// that keys used by a finished Send-MsiDataFile are still handed out to consumers for as long as
        /// the session runs — KafkaCrypto's "the producer must keep running", met by the session itself.
        /// </summary>
        public static bool KeepOpenAfterUse { get; set; }

        /// <summary>Closes every node that no program uses (module removal, host shutdown).</summary>
        public static void CloseUnused()
        {
            List<KafkaCryptoNode> unused;
            lock (OpenGate)
            {
                unused = Open.Values.Where(n => n._users == 0).ToList();
                foreach (KafkaCryptoNode node in unused)
                {
                    Open.Remove(node.ConfigPath);
                }
            }
            foreach (KafkaCryptoNode node in unused)
            {
                node.Close();
            }
        }

        public string ConfigPath { get; }

        public CryptoNodeFiles Files { get; }

        public string NodeId => Files.NodeId;

        /// <summary>
        /// The node the settings' <c>[kafkacrypto]</c> section names, opened (or shared) for this caller;
        /// null when the settings do not turn encryption on. Pair with <see cref="Release"/>.
        /// </summary>
        public static KafkaCryptoNode? Acquire(KafkaSettings settings, ClientDiagnostics diagnostics)
        {
            string? configPath = KafkaCryptoConfig.ResolveNodeConfig(settings);
            if (configPath == null)
            {
                return null;
            }
            lock (OpenGate)
            {
                if (!Open.TryGetValue(configPath, out KafkaCryptoNode? node))
                {
                    node = new KafkaCryptoNode(configPath, settings, diagnostics);
                    Open[configPath] = node;
                }
                node._users++;
                return node;
            }
        }

        public void Release()
        {
            lock (OpenGate)
            {
                if (--_users > 0 || KeepOpenAfterUse)
                {
                    return;
                }
                Open.Remove(ConfigPath);
            }
            Close();
        }

        private void Close()
        {
            _exchange.Dispose();
            _lock.Dispose();
        }

        /// <summary>Encrypts for <paramref name="topic"/> with this run's key of its root, and serves that key.</summary>
        public MessageEncryptor EncryptorFor(string topic)
        {
            string root = TopicKeys.RootOf(topic, Files.TopicSeparator);
            lock (_gate)
            {
                if (!_roots.TryGetValue(root, out RootEncryption? encryption))
                {
                    RequireProducerRights(root);
                    encryption = new RootEncryption(root);
                    encryption.Current = NewProducerKey(root);
                    _roots[root] = encryption;
                    _exchange.Serve(root);
                }
                return new MessageEncryptor(encryption);
            }
        }

        /// <summary>
        /// A node whose certificate does not allow key-encrypt on the root (a Consumer node, or another
        /// root) would encrypt data no consumer can ever get the key for: its answers to key requests are
        /// refused. KafkaCrypto encrypts anyway; we stop before anything is sent.
        /// </summary>
        private void RequireProducerRights(string root)
        {
            Trust.ChainValidation own = Trust.ChainValidator.Validate(Files.ChainElements, root, "key-encrypt",
                new Trust.TrustStore(Files.Allowlist, Files.Denylist), _clock());
            if (!own.IsValid)
            {
                throw new OpenMsiStreamException(ErrorIds.CryptoNodeInvalid,
                    $"KafkaCrypto node '{NodeId}' may not encrypt for topic root '{root}' ({own.Reason}); consumers could never get the key. Use a node provisioned as Producer or ProducerConsumer for '{root}'.",
                    target: NodeId);
            }
        }

        /// <summary>The root's key if this node holds it, without asking anyone.</summary>
        public bool TryGetKey(string root, KeyIndex keyIndex, out byte[] secret) => _ring.TryGet(root, keyIndex, out secret);

        /// <summary>Asks for the key (if not held) and waits for it up to <paramref name="timeout"/>.</summary>
        public bool WaitForKey(string root, KeyIndex keyIndex, TimeSpan timeout, System.Threading.CancellationToken cancellationToken, out byte[] secret)
        {
            if (_ring.TryGet(root, keyIndex, out secret))
            {
                return true;
            }
            _exchange.Request(root, keyIndex);
            return timeout > TimeSpan.Zero && _ring.WaitFor(root, keyIndex, timeout, cancellationToken, out secret);
        }

        public string RootOf(string topic) => TopicKeys.RootOf(topic, Files.TopicSeparator);

        private TopicEncryptor NewProducerKey(string root)
        {
            KeyIndex keyIndex = Files.LongKeyIndex ? TopicKeys.LongKeyIndex(Files.NodeIdBytes, _ratchet.Index) : TopicKeys.ShortKeyIndex(_ratchet.Index);
            byte[] secret = TopicKeys.TopicSecret(_ratchet.Secret, root);
            _ring.AddOwn(new ProducerKey(root, keyIndex, secret, _clock()));
            SaveOwnKeys();
            return new TopicEncryptor(root, keyIndex, secret);
        }

        /// <summary>Kept in the node's .config (wrapped with its local key) so a later run can still serve them.</summary>
        private void SaveOwnKeys() => OldKeys.Save(Files, _ring.OwnKeys());

        /// <summary>
        /// Every crypto_ratchet_interval (24 h): a new ratchet step, new keys for the roots in use, and own
        /// keys older than crypto_max_pgen_age (7 days) forgotten — as KafkaCrypto does for programs that run for months.
        /// </summary>
        private void RatchetIfDue()
        {
            if ((DateTime.UtcNow - _ratchetedAt).TotalSeconds < Files.RatchetInterval)
            {
                return;
            }
            lock (_gate)
            {
                _ratchet = Ratchet.Advance(Files.SeedPath);
                _ratchetedAt = DateTime.UtcNow;
                _ring.PruneOwn(_clock() - Files.MaxProducerKeyAge);
                foreach (RootEncryption encryption in _roots.Values)
                {
                    encryption.Current = NewProducerKey(encryption.Root);
                }
                SaveOwnKeys();
            }
        }

        private static double UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
    }

    /// <summary>The key a root is encrypted with now; replaced when the ratchet steps.</summary>
    internal sealed class RootEncryption
    {
        private volatile TopicEncryptor? _current;

        public RootEncryption(string root) => Root = root;

        public string Root { get; }

        public TopicEncryptor Current
        {
            get => _current ?? throw new InvalidOperationException("No key yet.");
            set => _current = value;
        }
    }

    /// <summary>Encrypts Kafka keys and values for one topic. Null stays null, as in KafkaCrypto.</summary>
    internal sealed class MessageEncryptor
    {
        private readonly RootEncryption _root;

        public MessageEncryptor(RootEncryption root) => _root = root;

        public byte[]? Key(byte[]? plaintext) => plaintext == null ? null : _root.Current.EncryptKey(plaintext);

        public byte[]? Value(byte[]? plaintext) => plaintext == null ? null : _root.Current.EncryptValue(plaintext);
    }
}
