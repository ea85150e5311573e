using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using OpenMsiStream.Diagnostics;
using OpenMsiStream.Download;
using OpenMsiStream.Processing;

namespace OpenMsiStream.PowerShell.Processing
{
    /// <summary>
    /// Runs a script block on every file, in a pool of runspaces of its own (one per file handled at the
    /// same time) with this module imported. The script gets the file object as its first argument
    /// (<c>param($File)</c>), then -ArgumentList. It succeeds when it ends without a terminating error;
    /// its output objects become the file's result messages (or, with -Metadata, its one output object
    /// the file's metadata).
    /// </summary>
    internal sealed class ScriptBlockHandler : FileHandler, IDisposable
    {
        private readonly IsolatedScript _script;
        private readonly object[] _arguments;
        private readonly string _location;
        private readonly bool _metadata;
        private readonly RunspacePool _pool;
        private int _running;

        private const string Launcher =
            "[void]$ExecutionContext.SessionState.Path.SetLocation($args[0]); " +
            "$__openMsiStreamArguments = $args[2..($args.Count - 1)]; " +
            "& ([scriptblock]::Create($args[1])) @__openMsiStreamArguments";

        public ScriptBlockHandler(IsolatedScript script, object[] arguments, string location, bool metadata, int runspaces,
            PSHost host, string modulePath)
        {
            _script = script;
            _arguments = arguments;
            _location = location;
            _metadata = metadata;
            InitialSessionState state = InitialSessionState.CreateDefault2();
            state.ImportPSModule(new[] { modulePath });
            foreach (KeyValuePair<string, object?> variable in script.Variables)
            {
                state.Variables.Add(new SessionStateVariableEntry(variable.Key, variable.Value, "A $using: value of the caller"));
            }
            _pool = RunspaceFactory.CreateRunspacePool(1, runspaces, state, host);
            _pool.Open();
        }

        /// <summary>Where the script's error, warning and verbose streams go; set once the cmdlet's queue exists.</summary>
        public IScriptStreams? Streams { get; set; }

        public override async Task<HandlerOutcome> HandleAsync(ReceivedFile file, CancellationToken cancellationToken)
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.RunspacePool = _pool;
            // One statement: batches of statements (AddStatement) never complete on a runspace pool with
            // this engine. The launcher moves to the caller's location through the engine itself
            // (Set-Location's module may not be loaded) and then runs the user's script with the file
            // and -ArgumentList as its arguments.
            ps.AddScript(Launcher).AddArgument(_location).AddArgument(_script.Text).AddArgument(file);
            foreach (object argument in _arguments)
            {
                ps.AddArgument(argument);
            }
            ForwardStreams(ps, file);
            Interlocked.Increment(ref _running);
            PSDataCollection<PSObject> output;
            using (cancellationToken.Register(() => ps.BeginStop(null, null)))
            {
                try
                {
                    output = await Task.Factory.FromAsync(ps.BeginInvoke(), ps.EndInvoke).ConfigureAwait(false);
                }
                catch (PipelineStoppedException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (RuntimeException ex)
                {
                    // A terminating error: the script's own message is the reason the file failed.
                    throw new HandlerException(ex.ErrorRecord?.Exception?.Message ?? ex.Message, null, ex);
                }
                finally
                {
                    Interlocked.Decrement(ref _running);
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (ps.InvocationStateInfo.State == PSInvocationState.Failed)
            {
                Exception reason = ps.InvocationStateInfo.Reason;
                throw new HandlerException(reason?.Message ?? "The script failed.", null, reason);
            }
            List<PSObject> objects = output.Where(o => o != null).ToList();
            return new HandlerOutcome(ResultMessages(objects, file), objects.Cast<object>().ToList(), null);
        }

        /// <summary>
        /// Closes the pool. A script stuck inside a .NET call (a blocking read, Thread.Sleep) cannot be
        /// stopped by PowerShell, and closing the pool would wait for it: then the pool is closed in the
        /// background so Ctrl+C returns the prompt; the abandoned script's file stays unfinished and is
        /// processed again at the next start.
        /// </summary>
        public void Dispose()
        {
            if (Volatile.Read(ref _running) == 0)
            {
                _pool.Dispose();
                return;
            }
            Task.Run(() => _pool.Dispose());
        }

        private IReadOnlyList<string> ResultMessages(IReadOnlyList<PSObject> objects, ReceivedFile file)
        {
            if (!_metadata)
            {
                return objects.Select(o => PSObjectJson.Serialize(o)).ToList();
            }
            if (objects.Count != 1 || !PSObjectJson.IsObject(objects[0]))
            {
                throw new OpenMsiStreamException(ErrorIds.ResultNotSerializable,
                    $"With -Metadata the script must output exactly one hashtable or object for '{file.RelativePath}'; it output {Describe(objects)}.", target: file.RelativePath);
            }
            return new[] { PSObjectJson.Serialize(objects[0]) };
        }

        private static string Describe(IReadOnlyList<PSObject> objects) => objects.Count switch
        {
            0 => "nothing",
            1 => "one " + objects[0].BaseObject.GetType().Name,
            _ => objects.Count + " objects",
        };

        /// <summary>The script's errors, warnings and verbose messages go to the caller as they come, marked with the file.</summary>
        private void ForwardStreams(System.Management.Automation.PowerShell ps, ReceivedFile file)
        {
            ps.Streams.Error.DataAdded += (sender, e) =>
            {
                ErrorRecord record = ((PSDataCollection<ErrorRecord>)sender!)[e.Index];
                Streams?.Error(record, file);
            };
            ps.Streams.Warning.DataAdded += (sender, e) => Streams?.Warning($"{file.RelativePath}: {((PSDataCollection<WarningRecord>)sender!)[e.Index].Message}");
            ps.Streams.Verbose.DataAdded += (sender, e) => Streams?.Verbose($"{file.RelativePath}: {((PSDataCollection<VerboseRecord>)sender!)[e.Index].Message}");
        }
    }

    /// <summary>Where a script's other streams go (the cmdlet's pipeline queue).</summary>
    internal interface IScriptStreams
    {
        void Error(ErrorRecord record, ReceivedFile file);

        void Warning(string message);

        void Verbose(string message);
    }
}
