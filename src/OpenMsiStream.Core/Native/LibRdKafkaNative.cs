using System;
using System.Runtime.InteropServices;
using System.Text;

namespace OpenMsiStream.Native
{
    /// <summary>
    /// The librdkafka C functions that Confluent.Kafka does not wrap: per-property configuration checks and the mock cluster behind the embedded broker.
    /// Both load the same librdkafka file as Confluent.Kafka (see NativeLibraryResolver).
    /// </summary>
    internal static class LibRdKafkaNative
    {
        private const string Library = "librdkafka";

        public const int ProducerType = 0;
        public const int ConfOk = 0;
        public const int ConfUnknown = -2;

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_conf_new();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int rd_kafka_conf_set(IntPtr conf, byte[] name, byte[] value, StringBuilder errstr, UIntPtr errstrSize);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_conf_destroy(IntPtr conf);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_new(int type, IntPtr conf, StringBuilder errstr, UIntPtr errstrSize);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_destroy(IntPtr rk);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_mock_cluster_destroy(IntPtr mcluster);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int rd_kafka_mock_topic_create(IntPtr mcluster, byte[] topic, int partitionCount, int replicationFactor);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);

        /// <summary>The mock cluster answers the next <paramref name="count"/> requests of <paramref name="apiKey"/> with these errors (tests).</summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, UIntPtr count, int[] errors);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int rd_kafka_mock_broker_set_rtt(IntPtr mcluster, int brokerId, int rttMs);

        /// <summary>
        /// The broker answers the next request of <paramref name="apiKey"/> with <paramref name="error"/> after
        /// <paramref name="rttMs"/> (tests). The C function is variadic, (error, rtt) pairs after the count:
        /// declared here for one pair, which x64 calling conventions pass as they pass fixed integer arguments.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern int rd_kafka_mock_broker_push_request_error_rtts(IntPtr mcluster, int brokerId, short apiKey, UIntPtr count, int error, int rttMs);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_mock_start_request_tracking(IntPtr mcluster);

        /// <summary>The requests received since tracking started; free the array with <see cref="rd_kafka_mock_request_destroy_array"/>.</summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_mock_get_requests(IntPtr mcluster, out UIntPtr count);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern short rd_kafka_mock_request_api_key(IntPtr request);

        /// <summary>When the request arrived: librdkafka's monotonic clock (CLOCK_MONOTONIC), in microseconds.</summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern long rd_kafka_mock_request_timestamp(IntPtr request);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_mock_request_destroy_array(IntPtr requests, UIntPtr count);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_err2str(int err);

        /// <summary>The cluster id from the brokers' metadata (Kafka 0.10.1 and later), waiting up to <paramref name="timeoutMs"/>; free it with <see cref="rd_kafka_mem_free"/>.</summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr rd_kafka_clusterid(IntPtr rk, int timeoutMs);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        public static extern void rd_kafka_mem_free(IntPtr rk, IntPtr ptr);

        /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/> for a <c>const char*</c> argument.</summary>
        public static byte[] Utf8z(string text)
        {
            int length = Encoding.UTF8.GetByteCount(text);
            var bytes = new byte[length + 1];
            Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        public static string? PtrToUtf8(IntPtr ptr)
        {
            if (ptr == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(ptr, length) != 0)
            {
                length++;
            }
            var bytes = new byte[length];
            Marshal.Copy(ptr, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }
    }
}
