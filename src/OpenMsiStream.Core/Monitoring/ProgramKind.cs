namespace OpenMsiStream.Monitoring
{
    /// <summary>Which counters a program's heartbeats carry (the fields OpenMSIStream's programs send).</summary>
    public enum ProgramKind
    {
        /// <summary>Sends files: n_messages_produced, n_bytes_produced.</summary>
        Uploader,

        /// <summary>Reads and handles files: n_messages_read, n_messages_processed, n_bytes_read, n_bytes_processed.</summary>
        Processor,

        /// <summary>A processor that also produces results: the processor fields plus the produced ones.</summary>
        Reproducer,
    }
}
