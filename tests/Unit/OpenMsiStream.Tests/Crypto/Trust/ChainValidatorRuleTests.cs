using System.Collections.Generic;
using System.Linq;
using OpenMsiStream.Crypto.Encoding;
using OpenMsiStream.Crypto.Trust;
using Xunit;
using static OpenMsiStream.Tests.Crypto.Trust.TestPki;

namespace OpenMsiStream.Tests.Crypto.Trust
{
    /// <summary>The process_chain rules one at a time, on synthetic chains (beyond the 23 golden cases).</summary>
    public class ChainValidatorRuleTests
    {
        private const double Now = KafkaCryptoVectorFiles.Now;
        private const string Request = "key-encrypt-request";

        private static readonly Key Rot = new(1);
        private static readonly Key Provisioner = new(2);
        private static readonly Key Node = new(3);
        private static readonly Key Stranger = new(4);

        private static readonly byte[] ConsumerUsages = Usages(Request, "key-encrypt-subscribe");
        private static readonly byte[] NodeCert = NodePoison("kcv", Request, "key-encrypt-subscribe");

        private static IReadOnlyList<byte[]> StandardChain => Chain(Rot, ConsumerUsages, Provisioner, NodeCert, Node);

        [Fact]
        public void StandardChainIsValid()
        {
            ChainValidation result = ChainValidator.Validate(StandardChain, "kcv", Request, Store(new[] { Rot.Entry() }), Now);
            Assert.True(result.IsValid, result.Reason);
            Assert.Equal(Future, result.MaxAge);
            Assert.Equal(new[] { Rot.PublicKey, Provisioner.PublicKey, Node.PublicKey }, result.SignerKeys);
        }

        [Fact]
        public void AllowlistedIntermediateOverridesADenylistedRoot()
        {
            TrustStore trust = Store(new[] { Rot.Entry(), Provisioner.Entry() }, new[] { Rot.Entry() });
            Assert.True(ChainValidator.Validate(StandardChain, "kcv", Request, trust, Now).IsValid);
        }

        [Fact]
        public void AllowlistedLeafOverridesADenylistedProvisioner()
        {
            TrustStore denied = Store(new[] { Rot.Entry() }, new[] { Provisioner.Entry() });
            Assert.Contains("denylisted", ChainValidator.Validate(StandardChain, "kcv", Request, denied, Now).Reason);
            TrustStore rescued = Store(new[] { Rot.Entry(), Node.Entry() }, new[] { Provisioner.Entry() });
            Assert.True(ChainValidator.Validate(StandardChain, "kcv", Request, rescued, Now).IsValid);
        }

        [Fact]
        public void AllowlistEntryRestrictionsApplyWhereTheKeyAppears()
        {
            TrustStore trust = Store(new[] { Rot.Entry(), Provisioner.Entry(Poison(("topics", new[] { "other" }))) });
            ChainValidation result = ChainValidator.Validate(StandardChain, "kcv", Request, trust, Now);
            Assert.False(result.IsValid);
            Assert.Contains("topic 'kcv' not allowed", result.Reason);
        }

        [Fact]
        public void KeyAllowlistUsageImpliesPathLengthZero()
        {
            byte[] implicitZero = Usages("key-allowlist", Request, "key-encrypt-subscribe");
            ChainValidation result = ChainValidator.Validate(Chain(Rot, implicitZero, Provisioner, NodeCert, Node), "kcv", Request, Store(new[] { Rot.Entry() }), Now);
            Assert.False(result.IsValid);
            Assert.Contains("pathlen", result.Reason);

            byte[] overridden = Poison(("usages", new[] { "key-allowlist", Request, "key-encrypt-subscribe" }), ("pathlen", 1L));
            Assert.True(ChainValidator.Validate(Chain(Rot, overridden, Provisioner, NodeCert, Node), "kcv", Request, Store(new[] { Rot.Entry() }), Now).IsValid);
        }

        [Fact]
        public void MatchEverythingInAChildCannotWidenAParentsLiteralList()
        {
            byte[] provisioner = Poison(("usages", new[] { Request }), ("topics", new[] { "kcv" }));
            byte[] node = Poison(("usages", new[] { "^.*$" }), ("topics", new[] { "^.*$" }));
            ChainValidation result = ChainValidator.Validate(Chain(Rot, provisioner, Provisioner, node, Node), "kcv", Request, Store(new[] { Rot.Entry() }), Now);
            Assert.False(result.IsValid);

            byte[] wideProvisioner = Poison(("usages", new[] { "^.*$" }), ("topics", new[] { "^.*$" }), ("pathlen", 1L));
            Assert.True(ChainValidator.Validate(Chain(Rot, wideProvisioner, Provisioner, NodeCert, Node), "kcv", Request, Store(new[] { Rot.Entry() }), Now).IsValid);
        }

        [Fact]
        public void RegexPoisonsOtherThanMatchEverythingAreRejectedEvenInAParent()
        {
            // Python validates this one (the parent's regex is narrowed to a literal by the child); we
            // deliberately do not emulate Python regexes, see PoisonMath.
            byte[] provisioner = Poison(("usages", new[] { Request }), ("topics", new[] { "^kc.*$" }));
            ChainValidation result = ChainValidator.Validate(Chain(Rot, provisioner, Provisioner, NodeCert, Node), "kcv", Request, Store(new[] { Rot.Entry() }), Now);
            Assert.False(result.IsValid);
            Assert.Contains("regular expression", result.Reason);
        }

        [Fact]
        public void PostQuantumSigningKeysAreNamedInTheReason()
        {
            byte[] typeFour = new MsgWriter().ArrayHeader(2).Int(4).ArrayHeader(2).Bin(Node.PublicKey).Bin(new byte[32]).ToArray();
            var chain = new List<byte[]>
            {
                Rot.Issue(0, ConsumerUsages, Provisioner.PublicKey),
                Provisioner.IssueRaw(new MsgWriter().ArrayHeader(3).Float64(Future).Bin(NodeCert).Raw(typeFour).ToArray()),
                Node.Issue(Future, NodeCert, new byte[32]),
            };
            ChainValidation result = ChainValidator.Validate(chain, "kcv", Request, Store(new[] { Rot.Entry() }), Now);
            Assert.False(result.IsValid);
            Assert.Contains("post-quantum key type 4", result.Reason);

            byte[] pqRoot = new MsgWriter().ArrayHeader(3).Int(0).Bin(new byte[] { 0x90 }).Raw(typeFour).ToArray();
            Assert.Contains("post-quantum", ChainValidator.Validate(StandardChain, "kcv", Request, Store(new[] { pqRoot }), Now).Reason);
        }

        [Fact]
        public void WithSeveralRootsTheReasonComesFromTheAttemptThatGotFurthest()
        {
            ChainValidation result = ChainValidator.Validate(StandardChain, "kcv", "key-encrypt", Store(new[] { Rot.Entry(), Stranger.Entry() }), Now);
            Assert.False(result.IsValid);
            Assert.Contains("usage 'key-encrypt' not allowed", result.Reason);
        }

        [Fact]
        public void UnknownRootOfTrustFailsOnTheFirstSignature()
        {
            ChainValidation result = ChainValidator.Validate(StandardChain, "kcv", Request, Store(new[] { Stranger.Entry() }), Now);
            Assert.False(result.IsValid);
            Assert.Equal("signature of element 1 does not verify", result.Reason);
        }

        [Fact]
        public void AKeyMayRevokeItself()
        {
            var revocation = new[] { Node.Entry(), Node.Issue(0, Usages("key-denylist"), Node.PublicKey) };
            ChainValidation result = ChainValidator.Validate(revocation, null, "key-denylist", Store(new[] { Rot.Entry() }), Now);
            Assert.True(result.IsValid, result.Reason);
            Assert.Equal(Node.PublicKey, result.KeyField!.Bytes);

            Assert.False(ChainValidator.Validate(revocation, "kcv", Request, Store(new[] { Rot.Entry() }), Now).IsValid);
            var forged = new[] { Node.Entry(), Stranger.Issue(0, Usages("key-denylist"), Node.PublicKey) };
            Assert.False(ChainValidator.Validate(forged, null, "key-denylist", Store(new[] { Rot.Entry() }), Now).IsValid);
        }

        [Fact]
        public void NoTopicOrUsageRequestedChecksOnlyTheChain()
        {
            Assert.True(ChainValidator.Validate(StandardChain, null, null, Store(new[] { Rot.Entry() }), Now).IsValid);
        }

        [Fact]
        public void ChildMaxAgeNotAboveZeroInheritsTheParents()
        {
            var chain = new[] { Rot.Issue(1900000000.5, ConsumerUsages, Provisioner.PublicKey), Provisioner.Issue(-5, NodeCert, Node.PublicKey) };
            ChainValidation result = ChainValidator.Validate(chain, "kcv", Request, Store(new[] { Rot.Entry() }), Now);
            Assert.True(result.IsValid, result.Reason);
            Assert.Equal(1900000000.5, result.MaxAge);
        }

        [Fact]
        public void OverLongAndEmptyChainsAreRejected()
        {
            TrustStore trust = Store(new[] { Rot.Entry() });
            Assert.False(ChainValidator.Validate(new List<byte[]>(), "kcv", Request, trust, Now).IsValid);
            var longChain = Enumerable.Repeat(StandardChain[0], ChainValidator.MaxChainElements + 1).ToList();
            Assert.Contains("at most", ChainValidator.Validate(longChain, "kcv", Request, trust, Now).Reason);
        }

        [Fact]
        public void MalformedDenylistFailsClosedAndMalformedAllowlistEntriesGrantNothing()
        {
            Assert.False(ChainValidator.Validate(StandardChain, "kcv", Request, Store(new[] { Rot.Entry() }, new[] { new byte[] { 0xc1 } }), Now).IsValid);
            Assert.True(ChainValidator.Validate(StandardChain, "kcv", Request, Store(new[] { new byte[] { 0x93 }, Rot.Entry() }), Now).IsValid);
            Assert.Equal("the allowlist is empty", ChainValidator.Validate(StandardChain, "kcv", Request, Store(new byte[][] { }), Now).Reason);
        }

        [Fact]
        public void CertificateParsingRejectsWhatPythonWouldReject()
        {
            Assert.False(Certificate.TryParse(CertificateBytes(0, Poison(("colour", new[] { "red" })), Node.PublicKey), out _, out string unknown));
            Assert.Contains("unknown poison", unknown);
            Assert.False(Certificate.TryParse(new MsgWriter().ArrayHeader(3).Str("soon").Bin(new byte[] { 0x90 }).Bin(Node.PublicKey).ToArray(), out _, out _));
            Assert.False(Certificate.TryParse(CertificateBytes(0, new byte[] { 0x91, 0x92, 0xa7, (byte)'p', (byte)'a', (byte)'t', (byte)'h', (byte)'l', (byte)'e', (byte)'n', 0xc3 }, Node.PublicKey), out _, out _));
            Assert.False(Certificate.TryParse(new byte[] { 0x92, 0x00, 0x00 }, out _, out _));
            Assert.True(Certificate.TryParse(CertificateBytes(0, new byte[] { 0x90 }, Node.PublicKey, new byte[] { 0x01 }), out Certificate? cert, out string reason), reason);
            Assert.Single(cert!.Extra);
        }

        [Fact]
        public void ChainParsing()
        {
            Assert.Equal(StandardChain, ChainValidator.ParseChain(ChainCodec.Pack(StandardChain)));
            Assert.Throws<MsgPackFormatException>(() => ChainValidator.ParseChain(new byte[] { 0x92, 0x01, 0x02 }));
            Assert.False(ChainValidator.TryParseChain(new byte[] { 0xff, 0x00 }, out _, out string reason));
            Assert.NotEmpty(reason);
            Assert.False(ChainValidator.TryParseChain(null, out _, out _));
        }

        [Fact]
        public void HostileChainsNeverThrow()
        {
            TrustStore trust = Store(new[] { Rot.Entry() });
            byte[] packed = ChainCodec.Pack(StandardChain);
            var random = new System.Random(7);
            for (int n = 0; n < 3000; n++)
            {
                byte[] mutated = (byte[])packed.Clone();
                for (int flips = 1 + random.Next(4); flips > 0; flips--)
                {
                    mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                }
                if (ChainValidator.TryParseChain(mutated, out IReadOnlyList<byte[]> elements, out _))
                {
                    ChainValidator.Validate(elements, "kcv", Request, trust, Now);
                }
            }
            var garbage = new List<byte[]> { new byte[0], new byte[63], Enumerable.Repeat((byte)0xc1, 200).ToArray() };
            Assert.False(ChainValidator.Validate(garbage, "kcv", Request, trust, Now).IsValid);
            Assert.False(ChainValidator.Validate(null!, "kcv", Request, trust, Now).IsValid);
            Assert.False(ChainValidator.Validate(new byte[][] { null! }, "kcv", Request, trust, Now).IsValid);
        }
    }
}
