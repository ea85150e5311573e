using Confluent.Kafka;

namespace OpenMsiStream.Upload
{
    internal static class DeliveryReports
    {
        /// <summary>Stands for a chunk that never reached the producer's queue.</summary>
        public static readonly DeliveryReport<byte[], byte[]> NotSent = new DeliveryReport<byte[], byte[]>
        {
            Error = new Error(ErrorCode.Local_Fail, "the chunk was not queued"),
        };
    }
}
