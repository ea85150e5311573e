namespace OpenMsiStream.Diagnostics
{
    /// <summary>
    /// What a long-running engine (directory uploader, receiver, stream processor, S3 transfer) reports
    /// while it runs: the one contract every front end implements once, generically — a pipeline-queue
    /// adapter in the module, a console adapter in the CLI, and the program monitor's decorator in Core.
    /// Engines call it on their own threads (a processor from several): an adapter that must write from
    /// one thread queues what it gets.
    /// </summary>
    /// <typeparam name="TFile">What is reported once per file handled (sent, received, processed or failed).</typeparam>
    /// <typeparam name="TProgress">The running totals, reported at most a few times per second.</typeparam>
    public interface IRunObserver<in TFile, in TProgress>
    {
        /// <summary>One call per file handled, whether it succeeded or failed.</summary>
        void File(TFile file);

        /// <summary>A message or file that could not be handled; the engine goes on.</summary>
        void Error(OpenMsiStreamException error);

        void Warning(string message);

        void Verbose(string message);

        void Progress(TProgress progress);
    }
}
