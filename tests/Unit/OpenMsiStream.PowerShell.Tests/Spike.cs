using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;
using Xunit.Abstractions;

public class Spike
{
    private readonly ITestOutputHelper _out;
    public Spike(ITestOutputHelper o) => _out = o;

    [Fact]
    public void ImportsAndStartsBroker()
    {
        var iss = InitialSessionState.CreateDefault2();
        string root = AppContext.BaseDirectory;
        while (!System.IO.File.Exists(System.IO.Path.Combine(root, "OpenMsiStream.psd1"))) root = System.IO.Path.GetDirectoryName(root)!;
        iss.ImportPSModule(new[] { System.IO.Path.Combine(root, "out", "OpenMsiStream", "OpenMsiStream.psd1") });
        iss.ThrowOnRunspaceOpenError = true;
        using var rs = RunspaceFactory.CreateRunspace(iss);
        rs.Open();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript("$b = Start-MsiLocalBroker -Topic t -Partitions 2; $b; Set-Content -Path /tmp/scratch/x.txt -Value hi -ErrorAction SilentlyContinue; [IO.File]::WriteAllText('/tmp/scratch/x.txt','hello'); Send-MsiDataFile -Path /tmp/scratch/x.txt -Topic t -Verbose; Receive-MsiDataFile -Topic t -Count 1 -IdleTimeout 10 | % { [Text.Encoding]::UTF8.GetString($_.Bytes) }");
        var results = ps.Invoke();
        foreach (var r in results) _out.WriteLine(r?.ToString() ?? "null");
        foreach (var e in ps.Streams.Error) _out.WriteLine("ERR " + e + " " + e.FullyQualifiedErrorId + " " + e.Exception);
        foreach (var v in ps.Streams.Verbose) _out.WriteLine("VERBOSE " + v);
        foreach (var w in ps.Streams.Warning) _out.WriteLine("WARN " + w);
    }
}
