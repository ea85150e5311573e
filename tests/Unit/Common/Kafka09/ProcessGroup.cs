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
    /// A program (Linux only) started in a session, and so a process group, of its own under a small
    /// <c>sh</c> wrapper. The wrapper also runs a watchdog that SIGKILLs the whole group once the process
    /// that started it is gone, so a test host that crashes or is killed leaves no JVM behind; a normal
    /// end kills the group from <see cref="Kill"/>. Output is appended to a file, so no pipe needs draining.
    /// </summary>
    public sealed class ProcessGroup : IDisposable
    {
        private const int SigKill = 9;

        // $1: the pid to outlive, $2: the console log (appended to), the rest: the command. The watchdog polls once a
        // second; `kill -KILL 0` signals every process of this group, the wrapper and the program included.
        private const string Wrapper =
            "owner=$1; log=$2; shift 2\n" +
            "\"$@\" >> \"$log\" 2>&1 < /dev/null &\n" +
            "program=$!\n" +
            "( while kill -0 \"$owner\" 2>/dev/null; do sleep 1; done; kill -KILL 0 ) < /dev/null > /dev/null 2>&1 &\n" +
            "watchdog=$!\n" +
            "wait \"$program\"\n" +
            "code=$?\n" +
            "kill \"$watchdog\" 2>/dev/null\n" +
            "exit $code\n";

        private readonly Process _wrapper;

        private ProcessGroup(Process wrapper) => _wrapper = wrapper;

        /// <summary>The process group id (the wrapper's pid: setsid makes it the group's leader).</summary>
        public int Id => _wrapper.Id;

        public bool HasExited => _wrapper.HasExited;

        public int ExitCode => _wrapper.ExitCode;

        public static ProcessGroup Start(string workingDirectory, string consoleLog, IReadOnlyDictionary<string, string?> environment, params string[] command)
        {
            if (!OperatingSystem.IsLinux())
            {
                throw new PlatformNotSupportedException("ProcessGroup needs Linux (setsid, /proc).");
            }
            // setsid execs without forking here (a child of .NET is not a group leader), so the pid
            // .NET knows is the new group's id.
            var start = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = workingDirectory };
            foreach (string argument in new[] { "/bin/sh", "-c", Wrapper, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), consoleLog })
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
            _wrapper.WaitForExit(5000);
        }

        public void Dispose()
        {
            try
            {
                Kill();
            }
            finally
            {
                _wrapper.Dispose();
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

        /// <summary>Until setsid has made the wrapper a group leader: a kill of the group before that would miss it.</summary>
        private void WaitUntilLeader()
        {
            var clock = Stopwatch.StartNew();
            while (!_wrapper.HasExited && clock.Elapsed < TimeSpan.FromSeconds(10))
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
            if (!_wrapper.HasExited)
            {
                _wrapper.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"Process {Id} did not become a process group leader (is setsid from util-linux installed?).");
            }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int signal);
    }
}
