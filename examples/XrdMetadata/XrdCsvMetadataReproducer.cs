using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Download;
using OpenMsiStream.Processing;

namespace XrdMetadata
{
    /// <summary>
    /// Publishes the measurement conditions of every XRD CSV file that arrives as one JSON object on
    /// the result topic, like OpenMSIStream's tutorial XRDCSVMetadataReproducer, including its
    /// <c>metadata_message_generated_at</c> timestamp (<c>MM/dd/yyyy, HH:mm:ss</c>).
    /// </summary>
    /// <example>
    /// Add-Type -Path ./XrdMetadata.dll
    /// Invoke-MsiStreamProcessor -Topic xrd -Handler ([XrdMetadata.XrdCsvMetadataReproducer]::new()) -ResultTopic xrd-metadata
    /// </example>
    public sealed class XrdCsvMetadataReproducer : MetadataJsonReproducer
    {
        protected override Task<IDictionary<string, object?>> GetMetadataAsync(ReceivedFile file, CancellationToken cancellationToken)
        {
            using TextReader reader = file.Bytes != null
                ? new StreamReader(new MemoryStream(file.Bytes), Encoding.UTF8)
                : new StreamReader(file.FullName!, Encoding.UTF8);
            IDictionary<string, object?> metadata = XrdCsvMetadata.Parse(reader, file.RelativePath);
            metadata["metadata_message_generated_at"] = DateTime.Now.ToString("MM/dd/yyyy, HH:mm:ss", CultureInfo.InvariantCulture);
            return Task.FromResult(metadata);
        }
    }
}
