using System.Text;
using OpenMsiStream.FileSystem;

namespace OpenMsiStream.Config
{
    /// <summary>Writes config files that both this product and Python OpenMSIStream read.</summary>
    public static class KafkaConfigFileWriter
    {
        public static void WriteForBootstrap(string path, string bootstrapServers, string comment, System.Collections.Generic.IEnumerable<System.Collections.Generic.KeyValuePair<string, string>>? consumerSettings = null)
        {
            var text = new StringBuilder();
            foreach (string line in comment.Split('\n'))
            {
                text.Append("# ").Append(line.TrimEnd('\r')).Append('\n');
            }
            text.Append("\n[broker]\n")
                .Append("bootstrap.servers = ").Append(bootstrapServers).Append('\n')
                .Append("# Named so that KafkaCrypto nodes (whose files say SSL by default) exchange keys the same way.\n")
                .Append("security.protocol = PLAINTEXT\n")
                .Append("\n[producer]\n")
                .Append("# The serializer names are for Python OpenMSIStream; OpenMsiStream for PowerShell knows the format.\n")
                .Append("key.serializer = StringSerializer\n")
                .Append("value.serializer = DataFileChunkSerializer\n")
                .Append("\n[consumer]\n")
                .Append("auto.offset.reset = earliest\n")
                .Append("enable.auto.commit = False\n")
                .Append("key.deserializer = StringDeserializer\n")
                .Append("value.deserializer = DataFileChunkDeserializer\n");
            foreach (System.Collections.Generic.KeyValuePair<string, string> setting in consumerSettings ?? System.Linq.Enumerable.Empty<System.Collections.Generic.KeyValuePair<string, string>>())
            {
                text.Append(setting.Key).Append(" = ").Append(setting.Value).Append('\n');
            }
            AtomicFile.WriteAllText(path, text.ToString());
        }
    }
}
