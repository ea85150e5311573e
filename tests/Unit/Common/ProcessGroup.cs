using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace OpenMsiStream.Tests.Common
{
    /// <summary>
    /// A program (Linux only) started as the leader of a session, and so of a process group, of its own.
    /// Beside it runs a watchdog (a small sh loop in the same group) that SIGKILLs the whole group once
    /// the process that started it is gone, so a test host or soak that crashes or is killed leaves no
    /// program behind; a normal end kills the group from <see cref="Kill"/>. Output is appended to files,
    /// so no pipe needs draining and nothing is lost when this process goes away.
    /// </summary>
    public sealed class ProcessGroup : IDisposable
    {
        private const int SigKill = 9;
        private const int SigTerm = 15;

        // $1: the pid to outlive, $2/$3: stdout/stderr (appended to), the rest: the command, which replaces
        // this shell (exec), so its pid is the group's id. The watchdog polls once a second while both the
        // owner and the program live; `kill -KILL 0` then signals every process left in the group (itself,
        // and the program's own children if it left any).
        private const string Wrapper =
            "owner=$1; out=$2; err=$3; shift 3\n" +
            "( while kill -0 \"$owner\" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done; kill -KILL 0 ) < /dev/null > /dev/null 2>&1 &\n" +
            "exec \"$@\" >> \"$out\" 2>> \"$err\" < /dev/null\n";

        private readonly Process _process;

        private ProcessGroup(Process process) => _process = process;

        /// <summary>The program's pid, which is also its process group's id.</summary>
        public int Id => _process.Id;

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        /// <summary>Starts <paramref name="command"/> with stdout and stderr appended to files (the same path for both is fine); null environment values remove a variable.</summary>
        public static ProcessGroup Start(string workingDirectory, string stdoutPath, string stderrPath, IReadOnlyDictionary<string, string?> environment, params string[] command)
        {
            if (!OperatingSystem.IsLinux())
            {
                throw new PlatformNotSupportedException("ProcessGroup needs Linux (setsid, /proc).");
            }
            // setsid execs without forking here (a child of .NET is not a group leader), so the pid
            // .NET knows is the new group's id, and then the program's.
            var start = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = workingDirectory };
            foreach (string argument in new[] { "/bin/sh", "-c", Wrapper, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), stdoutPath, stderrPath })
            {
                start.ArgumentList.Add(argument);
            }
            foreach (string argument in command)
            {
                start.ArgumentList.Add(argument);
            }
            foreach (KeyValuePair<string, string?> variable in environment)
            {
                if (variable.Value == null)
                {
                    start.Environment.Remove(variable.Key);
                }
                else
                {
                    start.Environment[variable.Key] = variable.Value;
                }
            }
            Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + command[0] + ".");
            var group = new ProcessGroup(process);
            group.WaitUntilLeader();
            return group;
        }

        /// <summary>SIGTERM to the program (not to the watchdog), the graceful stop a service manager sends.</summary>
        public void Terminate()
        {
            if (!_process.HasExited)
            {
                _ = kill(Id, SigTerm);
            }
        }

        public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

        /// <summary>
        /// kill -9 of every process in the group (no shutdown hook runs, nothing is flushed), then waits
        /// until none is left, so that its ports and files are free for a successor.
        /// </summary>
        public void Kill()
        {
            if (Alive(Id))
            {
                _ = kill(-Id, SigKill);
            }
            var clock = Stopwatch.StartNew();
            while (Alive(Id))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new InvalidOperationException($"Process group {Id} still has live processes 30 s after SIGKILL.");
                }
                Thread.Sleep(20);
            }
            _process.WaitForExit(5000);
        }

        public void Dispose()
        {
            try
            {
                Kill();
            }
            finally
            {
                _process.Dispose();
            }
        }

        /// <summary>Whether any process of group <paramref name="group"/> is still running (zombies do not count).</summary>
        public static bool Alive(int group)
        {
            foreach (string directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    continue;
                }
                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(directory, "stat"));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    continue; // gone meanwhile
                }
                // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last ')'.
                string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                if (fields.Length > 2 && fields[0] != "Z" && fields[0] != "X"
                    && int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int pgrp) && pgrp == group)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Until setsid has made the process a group leader: a kill of the group before that would miss it.</summary>
        private void WaitUntilLeader()
        {
            var clock = Stopwatch.StartNew();
            while (!_process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                try
                {
                    string stat = File.ReadAllText($"/proc/{Id}/stat");
                    string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                    if (fields[2] == Id.ToString(CultureInfo.InvariantCulture))
                    {
                        return;
                    }
                }
                catch (IOException)
                {
                }
                Thread.Sleep(5);
            }
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"Process {Id} did not become a process group leader (is setsid from util-linux installed?).");
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int signal);
    }
}
