namespace OpenMsiStream.Crypto.Provisioning
{
    /// <summary>What a provisioned node may do; decides its certificate's usages and which provisioner key signs it.</summary>
    internal enum NodeRole
    {
        /// <summary>Encrypts and serves keys (usage key-encrypt; provisioner "producer").</summary>
        Producer,

        /// <summary>Requests keys and decrypts (usages key-encrypt-request, key-encrypt-subscribe; provisioner "consumer").</summary>
        Consumer,

        /// <summary>Both (all three usages; provisioner "prodcon").</summary>
        ProducerConsumer,
    }
}
