#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Dependency isolation in PowerShell 7 (issue 15): another module's copy of an assembly the module
    also uses (older or newer AWSSDK.Core, System.Text.Json, MessagePack, Newtonsoft.Json), loaded
    before the import or after the module was used, neither breaks the module nor is broken by it.

    Each scenario runs DependencyIsolation/Invoke-IsolationScenario.ps1 in a fresh pwsh (assemblies
    cannot be unloaded) with a home of its own (HOME, XDG_*, LOCALAPPDATA, OPENMSISTREAM_HOME), against
    the embedded broker in that process and one s3rver for the file. The other copies are NuGet packages
    (tests/ConflictingAssemblies downloads them into the NuGet cache when the solution is restored); the
    file of each that a module built for PowerShell 7.6 (.NET 10) would ship is loaded.

    Run (after `dotnet build src/OpenMsiStream.PowerShell` and `dotnet restore OpenMsiStream.slnx`):
        pwsh -NoProfile -c "Import-Module ~/.nuget/packages/pester/5.7.1/tools/Pester.psd1; Invoke-Pester tests/Pester/DependencyIsolation.Tests.ps1 -Output Detailed"
    The NuGet cache is $env:NUGET_PACKAGES, else ~/.nuget/packages.
    The module under test: -ModulePath (a Pester container parameter), else $env:OPENMSISTREAM_TEST_MODULE
    (set by the suite's runner for the laid-out and the installed module), else out/OpenMsiStream.
#>
param(
    [string] $ModulePath = $(if ($env:OPENMSISTREAM_TEST_MODULE) { $env:OPENMSISTREAM_TEST_MODULE } else { Join-Path $PSScriptRoot '../../out/OpenMsiStream' })
)

BeforeDiscovery {
    # How another module gets each copy into PowerShell 7.6:
    #   Default  Add-Type -Path, the default context (what AWS.Tools and most modules do). For
    #            System.Text.Json 8 and Newtonsoft.Json 12, PowerShell itself has a newer copy (10.0, 13.0)
    #            among its platform assemblies and answers Add-Type with that one: Expect = 'Platform'.
    #   Own      a load context of that module's own: PowerShell refuses a *newer* System.Text.Json or
    #            Newtonsoft.Json in the default context ("manifest definition does not match"), for any
    #            module, so a module that needs one must isolate it.
    # Probe: called with the copy's first assembly (Own) and returns the answer and the assembly that
    # gave it; a Default copy is reached with a type literal, as a script would.
    $awsProbe = 'param($a) @{ Result = [Amazon.Util.AWSSDKUtils]::UrlEncode(''a b/c'', $false); Assembly = [Amazon.Util.AWSSDKUtils].Assembly }'
    $messagePackProbe = 'param($a) $none = [Threading.CancellationToken]::None; $bytes = [MessagePack.MessagePackSerializer]::Serialize([int], 42, $null, $none); @{ Result = [MessagePack.MessagePackSerializer]::ConvertToJson([ReadOnlyMemory[byte]]$bytes, $null, $none); Assembly = [MessagePack.MessagePackSerializer].Assembly }'
    $copySets = @{
        Older = @(
            @{ Name = 'AWSSDK.Core'; Copy = 'AWSSDK.Core 3.7.402'; Files = @('awssdk.core/3.7.402/lib/net8.0/AWSSDK.Core.dll'); Context = 'Default'; Expect = 'Copy'; Version = '3.3.0.0'; Answer = 'a%20b%2Fc'; Probe = $awsProbe }
            @{ Name = 'System.Text.Json'; Copy = 'System.Text.Json 8.0.5'; Files = @('system.text.json/8.0.5/lib/net8.0/System.Text.Json.dll'); Context = 'Default'; Expect = 'Platform'; Answer = '2'
                Probe = 'param($a) @{ Result = [System.Text.Json.JsonDocument]::Parse(''{"a":[1,2]}'').RootElement.GetProperty(''a'').GetArrayLength(); Assembly = [System.Text.Json.JsonDocument].Assembly }' }
            @{ Name = 'MessagePack'; Copy = 'MessagePack 2.2.85'; Files = @('messagepack/2.2.85/lib/netcoreapp2.1/MessagePack.dll', 'messagepack.annotations/2.2.85/lib/netstandard2.0/MessagePack.Annotations.dll'); Context = 'Default'; Expect = 'Copy'; Version = '2.2.0.0'; Answer = '42'; Probe = $messagePackProbe }
            @{ Name = 'Newtonsoft.Json'; Copy = 'Newtonsoft.Json 12.0.3'; Files = @('newtonsoft.json/12.0.3/lib/netstandard2.0/Newtonsoft.Json.dll'); Context = 'Default'; Expect = 'Platform'; Answer = '[1,"a"]'
                Probe = 'param($a) @{ Result = [Newtonsoft.Json.JsonConvert]::SerializeObject([object[]]@(1, ''a'')); Assembly = [Newtonsoft.Json.JsonConvert].Assembly }' }
        )
        Newer = @(
            @{ Name = 'AWSSDK.Core'; Copy = 'AWSSDK.Core 4.1.1'; Files = @('awssdk.core/4.1.1/lib/net10.0/AWSSDK.Core.dll', 'awssdk.extensions.numerics/4.1.0/lib/net10.0/AWSSDK.Extensions.Numerics.dll', 'system.io.hashing/11.0.0/lib/net10.0/System.IO.Hashing.dll'); Context = 'Default'; Expect = 'Copy'; Version = '4.0.0.0'; Answer = 'a%20b%2Fc'; Probe = $awsProbe }
            @{ Name = 'System.Text.Json'; Copy = 'System.Text.Json 11.0.0'; Files = @('system.text.json/11.0.0/lib/net10.0/System.Text.Json.dll', 'system.io.pipelines/11.0.0/lib/net10.0/System.IO.Pipelines.dll', 'system.text.encodings.web/11.0.0/lib/net10.0/System.Text.Encodings.Web.dll'); Context = 'Own'; Expect = 'Copy'; Version = '11.0.0.0'; Answer = '2'
                Probe = 'param($a) $t = $a.GetType(''System.Text.Json.JsonDocument''); @{ Result = $t::Parse(''{"a":[1,2]}'').RootElement.GetProperty(''a'').GetArrayLength(); Assembly = $t.Assembly }' }
            @{ Name = 'MessagePack'; Copy = 'MessagePack 3.1.12'; Files = @('messagepack/3.1.12/lib/net8.0/MessagePack.dll', 'messagepack.annotations/3.1.12/lib/netstandard2.0/MessagePack.Annotations.dll', 'microsoft.net.stringtools/17.11.4/lib/net8.0/Microsoft.NET.StringTools.dll'); Context = 'Default'; Expect = 'Copy'; Version = '3.1.12.0'; Answer = '42'; Probe = $messagePackProbe }
            @{ Name = 'Newtonsoft.Json'; Copy = 'Newtonsoft.Json 14.0.1-beta2'; Files = @('newtonsoft.json/14.0.1-beta2/lib/net10.0/Newtonsoft.Json.dll'); Context = 'Own'; Expect = 'Copy'; Version = '14.0.0.0'; Answer = '[1,"a"]'
                Probe = 'param($a) $t = $a.GetType(''Newtonsoft.Json.JsonConvert''); @{ Result = $t::SerializeObject([object[]]@(1, ''a'')); Assembly = $t.Assembly }' }
        )
    }
    $scenarios = foreach ($set in 'Older', 'Newer') {
        foreach ($order in 'OthersFirst', 'ModuleFirst') { @{ Set = $set; Order = $order; Copies = $copySets[$set] } }
    }
}

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $modulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
    $moduleDirectory = if (Test-Path -LiteralPath $modulePath -PathType Leaf) { Split-Path -Parent $modulePath } else { $modulePath }
    $dependencies = Join-Path $moduleDirectory 'dependencies'
    # The other modules' copies, in the NuGet cache (the suite's runner passes NUGET_PACKAGES on).
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $tempRoot = if ($env:OPENMSISTREAM_TEST_TEMP) { $env:OPENMSISTREAM_TEST_TEMP } else { [IO.Path]::GetTempPath() }
    $work = Join-Path $tempRoot ('isolation-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $work | Out-Null

    # s3rver (tests/s3server, installed by .ci/run with npm ci; installed here if missing, as the xunit tests do).
    $s3Folder = Join-Path $repoRoot 'tests/s3server'
    $s3Script = Join-Path $s3Folder 'node_modules/s3rver/bin/s3rver.js'
    if (-not (Test-Path -LiteralPath $s3Script)) {
        & npm ci --prefix $s3Folder --no-audit --no-fund --loglevel=error | Out-Null
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $s3Script)) { throw "npm ci in $s3Folder failed; these tests need s3rver." }
    }
    $bucket = 'isolation-bucket'
    $s3Data = Join-Path $work 's3rver'
    New-Item -ItemType Directory -Path $s3Data | Out-Null
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $s3Port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $start = [Diagnostics.ProcessStartInfo]::new('node')
    foreach ($argument in $s3Script, '--directory', $s3Data, '--address', '127.0.0.1', '--port', $s3Port, '--silent', '--configure-bucket', $bucket) { $start.ArgumentList.Add([string]$argument) }
    $start.UseShellExecute = $false
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $s3rver = [Diagnostics.Process]::Start($start)
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect([Net.IPAddress]::Loopback, $s3Port); break }
        catch { if ($s3rver.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "s3rver did not start on port $s3Port." } ; Start-Sleep -Milliseconds 100 }
        finally { $client.Dispose() }
    }

    # The pwsh that runs this file, started again (`dotnet <PSHOME>/pwsh.dll` for the dotnet tool).
    $pwsh = if ($env:OPENMSISTREAM_TEST_PWSH) { @($env:OPENMSISTREAM_TEST_PWSH -split [IO.Path]::PathSeparator) }
    elseif ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')) }
    else { @([Environment]::ProcessPath) }

    function Invoke-IsolationScenario([string] $Set, [string] $Order, [object[]] $Copies) {
        $folder = Join-Path $work "$Set-$Order"
        $homeFolder = Join-Path $folder 'home'
        $scenarioWork = Join-Path $folder 'work'
        New-Item -ItemType Directory -Path $homeFolder, $scenarioWork | Out-Null
        $missing = foreach ($copy in $Copies) { foreach ($file in $copy.Files) { if (-not (Test-Path -LiteralPath (Join-Path $nugetRoot $file))) { $file } } }
        if ($missing) {
            throw "Not in the NuGet cache ($nugetRoot): $($missing -join ', '). Restore tests/ConflictingAssemblies (dotnet restore OpenMsiStream.slnx)."
        }
        $copiesPath = Join-Path $folder 'copies.json'
        $Copies | ForEach-Object {
            @{ Name = $_.Name; Context = $_.Context; Probe = $_.Probe; Files = @($_.Files | ForEach-Object { Join-Path $nugetRoot $_ }) }
        } | ConvertTo-Json -Depth 4 -AsArray | Set-Content -LiteralPath $copiesPath -Encoding utf8NoBOM
        $resultPath = Join-Path $folder 'result.json'
        $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'DependencyIsolation/Invoke-IsolationScenario.ps1'),
            '-ModulePath', $modulePath, '-Order', $Order, '-CopiesPath', $copiesPath, '-S3Endpoint', "http://127.0.0.1:$s3Port",
            '-S3DataDirectory', $s3Data, '-Bucket', $bucket, '-WorkDirectory', $scenarioWork, '-ResultPath', $resultPath)
        foreach ($argument in $arguments) { $start.ArgumentList.Add($argument) }
        foreach ($name in 'HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'LOCALAPPDATA', 'OPENMSISTREAM_HOME') {
            $start.Environment[$name] = Join-Path $homeFolder $name.ToLowerInvariant()
        }
        $start.Environment['HOME'] = $homeFolder
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        $process = [Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(600000)) {
            $process.Kill($true)
            throw "The $Set/$Order scenario did not finish within 10 minutes: $($stdout.Result)$($stderr.Result)"
        }
        $process.WaitForExit()
        if (-not (Test-Path -LiteralPath $resultPath)) {
            throw "The $Set/$Order scenario wrote no result (exit code $($process.ExitCode)): $($stdout.Result)$($stderr.Result)"
        }
        Get-Content -LiteralPath $resultPath -Raw | ConvertFrom-Json -AsHashtable
    }
}

AfterAll {
    if ($s3rver -and -not $s3rver.HasExited) { $s3rver.Kill($true); $s3rver.WaitForExit() }
    if ($work) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Other modules'' <Set> copies of AWSSDK.Core, System.Text.Json, MessagePack and Newtonsoft.Json, <Order>' -ForEach $scenarios {
    BeforeAll {
        $run = Invoke-IsolationScenario $Set $Order $Copies
        $rounds = @($run.Rounds)
    }

    It 'runs the scenario to its end' {
        $run.Fatal | Should -BeNullOrEmpty
        $rounds.Count | Should -Be ($Order -eq 'ModuleFirst' ? 2 : 1)
    }

    It 'sends and receives byte-identical files, the receiver writing its log file' {
        foreach ($round in $rounds) {
            $round.Send.Error | Should -BeNullOrEmpty -Because "round $($round.Label)"
            $round.Receive.Error | Should -BeNullOrEmpty -Because "round $($round.Label)"
            $round.Expected.Count | Should -Be 2
            $round.Send.Count | Should -Be 2
            $round.Send.Sha512 | Should -Be @($round.Expected.Values | Sort-Object)
            ($round.Receive.Files.Keys | Sort-Object) | Should -Be @($round.Expected.Keys | Sort-Object)
            foreach ($path in $round.Expected.Keys) { $round.Receive.Files[$path] | Should -Be $round.Expected[$path] -Because $path }
            $round.Receive.LogLines | Should -BeGreaterThan 0
        }
    }

    It 'runs a script-block processor whose output becomes result messages' {
        foreach ($round in $rounds) {
            $round.Processor.Error | Should -BeNullOrEmpty -Because "round $($round.Label)"
            $lengths = @{ 'scan 01.raw' = 300000; 'sub dir/Größe; µm.csv' = 1200 }
            $expected = $lengths.Keys | Sort-Object | ForEach-Object {
                '{0}|Processed|{1}' -f $_, ([pscustomobject]@{ Name = $_; Length = $lengths[$_]; When = [datetime]'2026-12-07T10:00:00Z' } | ConvertTo-Json -Compress -Depth 3)
            }
            $round.Processor.Processed | Should -Be @($expected)
        }
    }

    It 'copies every file to S3 (s3rver), byte-identical' {
        foreach ($round in $rounds) {
            $round.S3.Error | Should -BeNullOrEmpty -Because "round $($round.Label)"
            ($round.S3.Keys | Sort-Object) | Should -Be @($round.Expected.Keys | Sort-Object)
            foreach ($path in $round.Expected.Keys) {
                $round.S3[$path].Status | Should -Be 'Uploaded'
                $round.S3[$path].Sha512 | Should -Be $round.Expected[$path] -Because "the object s3rver stored for $path"
            }
        }
    }

    It 'encrypts with one new KafkaCrypto node and decrypts with another' {
        foreach ($round in $rounds) {
            $round.Encrypted.Error | Should -BeNullOrEmpty -Because "round $($round.Label)"
            $round.Encrypted.Expected | Should -Be $round.Expected['scan 01.raw']
            $round.Encrypted.Sent | Should -Be $round.Encrypted.Expected
            $round.Encrypted.Received | Should -Be $round.Encrypted.Expected
        }
    }

    It 'loads Core and its dependencies from its own folder into its own load context, and nothing of its into the default context' {
        foreach ($name in 'OpenMsiStream.Core', 'Confluent.Kafka', 'MessagePack', 'AWSSDK.Core', 'AWSSDK.S3', 'Sodium.Core', 'Serilog', 'Microsoft.Data.Sqlite', 'Microsoft.Extensions.Configuration.Ini') {
            $run.Loaded.Module[$name] | Should -Be (Join-Path $dependencies "$name.dll") -Because "$name is the module's"
        }
        foreach ($location in $run.Loaded.Module.Values) { Split-Path -Parent $location | Should -Be $dependencies }
        foreach ($location in $run.Loaded.Default.Values) { $location | Should -Not -BeLike (Join-Path $dependencies '*') }
    }

    It 'loads librdkafka, SQLite and libsodium from its own folder' -Skip:(-not $IsLinux) {
        $run.Loaded.Native.Count | Should -Be 3 -Because ($run.Loaded.Native -join ', ')
        $rid = 'linux-' + [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
        foreach ($path in $run.Loaded.Native) { Split-Path -Parent $path | Should -Be (Join-Path $dependencies $rid) }
    }

    It 'the other module''s <Name> (<Copy>) keeps working beside the module' -ForEach $Copies {
        $seen = @($run.Others[$Name])
        $seen.Count | Should -Be 2
        foreach ($entry in $seen) {
            $entry.Error | Should -BeNullOrEmpty -Because $entry.When
            $entry.Result | Should -Be $Answer -Because $entry.When
            if ($Expect -eq 'Copy') {
                $entry.Location | Should -Be (Join-Path $nugetRoot $Files[0]) -Because $entry.When
                $entry.Version | Should -Be $Version
            }
            else {
                $entry.Platform | Should -BeTrue -Because "PowerShell answers Add-Type of an older $Name with its own copy ($($entry.Location))"
            }
            if ($Context -eq 'Default') { $entry.Context | Should -BeLike '"Default"*' } else { $entry.Context | Should -BeLike '"other module: *' }
        }
    }
}
