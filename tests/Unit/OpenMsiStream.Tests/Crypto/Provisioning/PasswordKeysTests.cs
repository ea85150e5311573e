using System.Text.Json;
using OpenMsiStream.Crypto.Provisioning;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Tests.Crypto.Data;
using Xunit;

namespace OpenMsiStream.Tests.Crypto.Provisioning
{
    /// <summary>Password-derived root and provisioner keys (primitives.json password_keys).</summary>
    public class PasswordKeysTests
    {
        public static TheoryData<int> PasswordCases => CryptoVectors.Cases("password_keys");

        [Theory]
        [MemberData(nameof(PasswordCases))]
        public void RootAndProvisionerKeysMatchThePythonTools(int index)
        {
            JsonElement c = CryptoVectors.Case("password_keys", index);
            string rotPassword = c.GetProperty("rot_password").GetString()!;

            Assert.Equal(c.Hex("rot_scrypt_salt"), PasswordKeys.RootOfTrustSalt(rotPassword));
            (byte[] rotPublic, byte[] rotSecret) = PasswordKeys.RootOfTrust(rotPassword);
            Assert.Equal(c.Hex("rot_pk"), rotPublic);
            Assert.Equal(c.Hex("rot_seed"), rotSecret[..32]);

            foreach (JsonProperty role in c.GetProperty("provisioners").EnumerateObject())
            {
                Assert.Equal(role.Value.Hex("scrypt_salt"), PasswordKeys.ProvisionerSalt(role.Name, rotPublic));
                (byte[] pk, byte[] sk) = PasswordKeys.Provisioner(c.GetProperty("provisioner_password").GetString()!, role.Name, rotPublic);
                Assert.Equal(role.Value.Hex("pk"), pk);
                Assert.Equal(role.Value.Hex("seed"), sk[..32]);
            }
        }

        [Theory]
        [InlineData("elevenchars")]
        [InlineData("")]
        [InlineData("😀😀😀😀😀😀😀😀😀😀😀")] // 11 characters, 22 UTF-16 units: Python counts characters
        public void AShortRootPasswordIsRefused(string password)
        {
            var ex = Assert.Throws<OpenMsiStreamException>(() => PasswordKeys.RootOfTrust(password));
            Assert.Equal(ErrorIds.CryptoProvisioningFailed, ex.ErrorId);
            Assert.Contains("12", ex.Message);
        }

        [Fact]
        public void AShortProvisionerPasswordOrUnknownRoleIsRefused()
        {
            byte[] rot = new byte[32];
            Assert.Equal(ErrorIds.CryptoProvisioningFailed, Assert.Throws<OpenMsiStreamException>(() => PasswordKeys.Provisioner("12345", "producer", rot)).ErrorId);
            Assert.Equal(ErrorIds.CryptoProvisioningFailed, Assert.Throws<OpenMsiStreamException>(() => PasswordKeys.Provisioner("123456", "controller", rot)).ErrorId);
        }
    }
}
