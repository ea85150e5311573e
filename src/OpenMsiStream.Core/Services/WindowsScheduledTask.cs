using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Xml.Linq;

namespace OpenMsiStream.Services
{
    /// <summary>
    /// The Task Scheduler definition of a per-user Windows service (-Scope User / --user): starts at the
    /// user's logon and runs as that user with least privilege (no admin rights to register it). Written
    /// as XML because schtasks' own options cannot say what a service needs: no 72-hour execution limit
    /// (PT0S), keep running on battery, one instance, restart after a failure.
    /// </summary>
    public static class WindowsScheduledTask
    {
        private static readonly XNamespace Task = "http://schemas.microsoft.com/windows/2004/02/mit/task";

        /// <summary>schtasks /XML reads UTF-16 with a byte order mark (what Task Scheduler itself exports).</summary>
        public static Encoding FileEncoding { get; } = new UnicodeEncoding(bigEndian: false, byteOrderMark: true);

        public static string Render(ServiceDefinition definition, IReadOnlyList<string> commandLine)
        {
            string user = CurrentUser();
            var document = new XDocument(
                new XDeclaration("1.0", "UTF-16", null),
                new XElement(Task + "Task", new XAttribute("version", "1.2"),
                    new XElement(Task + "RegistrationInfo",
                        new XElement(Task + "Description", definition.Description),
                        new XElement(Task + "URI", @"\OpenMsiStream\" + definition.Name)),
                    new XElement(Task + "Triggers",
                        new XElement(Task + "LogonTrigger",
                            new XElement(Task + "Enabled", "true"),
                            new XElement(Task + "UserId", user))),
                    new XElement(Task + "Principals",
                        new XElement(Task + "Principal", new XAttribute("id", "Author"),
                            new XElement(Task + "UserId", user),
                            new XElement(Task + "LogonType", "InteractiveToken"),
                            new XElement(Task + "RunLevel", "LeastPrivilege"))),
                    new XElement(Task + "Settings",
                        new XElement(Task + "MultipleInstancesPolicy", "IgnoreNew"),
                        new XElement(Task + "DisallowStartIfOnBatteries", "false"),
                        new XElement(Task + "StopIfGoingOnBatteries", "false"),
                        new XElement(Task + "AllowHardTerminate", "true"),
                        new XElement(Task + "StartWhenAvailable", "true"),
                        new XElement(Task + "AllowStartOnDemand", "true"),
                        new XElement(Task + "Enabled", "true"),
                        new XElement(Task + "ExecutionTimeLimit", "PT0S"),
                        new XElement(Task + "RestartOnFailure",
                            new XElement(Task + "Interval", "PT1M"),
                            new XElement(Task + "Count", "999"))),
                    new XElement(Task + "Actions", new XAttribute("Context", "Author"),
                        new XElement(Task + "Exec",
                            new XElement(Task + "Command", commandLine[0]),
                            new XElement(Task + "Arguments", string.Join(" ", commandLine.Skip(1).Select(ServiceManager.WindowsQuote))),
                            new XElement(Task + "WorkingDirectory", definition.WorkingDirectory)))));
            return document.Declaration + Environment.NewLine + document.ToString();
        }

        private static string CurrentUser() =>
            string.IsNullOrEmpty(Environment.UserDomainName) ? Environment.UserName : Environment.UserDomainName + "\\" + Environment.UserName;
    }
}
