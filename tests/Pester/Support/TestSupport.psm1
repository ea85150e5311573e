<#
    Helpers shared by the Pester test files. Import in BeforeAll:
        Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
#>

$script:RepoRoot = if ($env:OPENMSISTREAM_TEST_REPO) { $env:OPENMSISTREAM_TEST_REPO } else { (Resolve-Path (Join-Path $PSScriptRoot '../../..')).ProviderPath }

function Get-TestRepoRoot { $script:RepoRoot }

<#
.SYNOPSIS
    The manifest of the module under test: the installed package or the laid-out module
    ($env:OPENMSISTREAM_TEST_MODULE, set by the runner), else out/OpenMsiStream.
#>
function Get-ModuleUnderTest {
    if ($env:OPENMSISTREAM_TEST_MODULE) { return $env:OPENMSISTREAM_TEST_MODULE }
    Join-Path $script:RepoRoot 'out/OpenMsiStream/OpenMsiStream.psd1'
}

function Import-ModuleUnderTest {
    Import-Module (Get-ModuleUnderTest) -Force -Global -PassThru
}

<#
.SYNOPSIS
    A new empty directory for one test's data, under the pass's temporary folder.
#>
function New-TestDirectory([string] $Purpose = 'test') {
    $root = if ($env:OPENMSISTREAM_TEST_TEMP) { $env:OPENMSISTREAM_TEST_TEMP } else { [IO.Path]::GetTempPath() }
    $path = Join-Path $root ($Purpose + '-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    (New-Item -ItemType Directory -Path $path -Force).FullName
}

<#
.SYNOPSIS
    Gives the test its own OpenMsiStream home ($env:OPENMSISTREAM_HOME): processor records, upload
    registries, logs and status files of one test never meet another's.
#>
function Use-OwnHome {
    $env:OPENMSISTREAM_HOME = New-TestDirectory 'home'
    $env:OPENMSISTREAM_HOME
}

function New-TestTopic([string] $Prefix = 't') { $Prefix + '-' + [guid]::NewGuid().ToString('N').Substring(0, 10) }

<#
.SYNOPSIS
    Writes a file of pseudo-random bytes (the same for the same seed) and returns its path.
#>
function New-TestFile([string] $Path, [int] $Length, [int] $Seed = 1) {
    $bytes = [byte[]]::new($Length)
    [Random]::new($Seed).NextBytes($bytes)
    $directory = Split-Path -Parent $Path
    if ($directory) { New-Item -ItemType Directory -Force -Path $directory | Out-Null }
    [IO.File]::WriteAllBytes($Path, $bytes)
    $Path
}

function Get-Sha512([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA512).Hash.ToLowerInvariant() }

<#
.SYNOPSIS
    The built openmsistream command.
#>
function Get-TestCli {
    if ($env:OPENMSISTREAM_TEST_CLI) { return $env:OPENMSISTREAM_TEST_CLI }
    Join-Path $script:RepoRoot 'src/OpenMsiStream.Cli/bin/Debug/net10.0/openmsistream'
}

<#
.SYNOPSIS
    The command line that starts this pwsh again (`dotnet <PSHOME>/pwsh.dll` for the dotnet tool).
#>
function Get-PwshCommand {
    if ($env:OPENMSISTREAM_TEST_PWSH) { return @($env:OPENMSISTREAM_TEST_PWSH -split [IO.Path]::PathSeparator) }
    $path = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($path) -eq 'dotnet') { return @($path, (Join-Path $PSHOME 'pwsh.dll')) }
    @($path)
}

<#
.SYNOPSIS
    Runs a script in a new pwsh process (-NoProfile -NonInteractive) with the given location and
    returns its output lines, error lines included, and its exit code.
#>
function Invoke-Pwsh {
    param(
        [Parameter(Mandatory)] [string] $Script,
        [string] $WorkingDirectory = (Get-Location).ProviderPath,
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 300
    )
    $command = Get-PwshCommand
    $start = [Diagnostics.ProcessStartInfo]::new($command[0])
    foreach ($argument in @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Script)) { $start.ArgumentList.Add($argument) }
    $start.WorkingDirectory = $WorkingDirectory
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    foreach ($name in $Environment.Keys) { $start.Environment[$name] = $Environment[$name] }
    $process = [Diagnostics.Process]::Start($start)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        $process.Kill($true)
        throw "pwsh did not finish within $TimeoutSeconds s: $($stdout.Result)$($stderr.Result)"
    }
    $process.WaitForExit()
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Error = $stderr.Result }
}

<#
.SYNOPSIS
    An interactive pwsh in a real terminal: tmux runs it in a pseudo-terminal of its own server
    (a socket per session), so keys are typed (Ctrl+C becomes SIGINT for the foreground process, as for
    a person) and the screen is read as a person sees it.
#>
class TerminalSession {
    [string] $Socket
    [string] $Transcript = ''

    TerminalSession([string] $workingDirectory, [int] $columns) {
        $this.Socket = 'omstest-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $command = (@(Get-PwshCommand) + @('-NoProfile', '-NoLogo') | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
        & tmux -L $this.Socket new-session -d -s main -x $columns -y 50 -c $workingDirectory $command
        if ($LASTEXITCODE -ne 0) { throw 'tmux could not start a session' }
        & tmux -L $this.Socket set-option -t main history-limit 5000 | Out-Null
    }

    [string] Screen() {
        $text = ((& tmux -L $this.Socket capture-pane -p -J -S - -t main) -join "`n").TrimEnd()
        $this.Transcript = $text
        return $text
    }

    [void] Type([string] $line) {
        & tmux -L $this.Socket send-keys -t main -l $line
        & tmux -L $this.Socket send-keys -t main Enter
    }

    # Ctrl+C, and the moment it was pressed.
    [datetime] Interrupt() {
        $at = [datetime]::UtcNow
        & tmux -L $this.Socket send-keys -t main C-c
        return $at
    }

    # Waits until the screen matches; returns the moment it did, or throws with the screen.
    [datetime] WaitFor([string] $pattern, [double] $seconds) {
        $deadline = [datetime]::UtcNow.AddSeconds($seconds)
        while ($true) {
            $now = [datetime]::UtcNow
            if ($this.Screen() -match $pattern) { return $now }
            if ($now -gt $deadline) { throw "Not on the screen after $seconds s: $pattern`n----- screen -----`n$($this.Transcript)" }
            Start-Sleep -Milliseconds 50
        }
        return [datetime]::UtcNow # not reached
    }

    # Number of times the pattern is on the screen now.
    [int] Count([string] $pattern) { return ([regex]::Matches($this.Screen(), $pattern)).Count }

    [void] Close() {
        & tmux -L $this.Socket kill-server 2>$null
    }
}

function Start-TerminalSession {
    param([string] $WorkingDirectory = (Get-Location).ProviderPath, [int] $Columns = 200)
    $session = [TerminalSession]::new($WorkingDirectory, $Columns)
    try {
        $session.WaitFor('PS [^\n]*>$', 60) | Out-Null
    }
    catch {
        $session.Close() # no prompt: the caller never gets the session to close, so its tmux server ends here
        throw
    }
    $session
}

<#
.SYNOPSIS
    A script line that imports the module under test in a child pwsh, with the same home variables.
#>
function Get-ImportLine { "Import-Module '$((Get-ModuleUnderTest) -replace "'", "''")'" }


<#
.SYNOPSIS
    s3rver, a real S3-protocol server on Node.js (tests/s3server, installed by .ci/run with npm ci), on
    a free loopback port with its data in a test directory. Knows one key: S3RVER / S3RVER.
#>
function Start-S3Server {
    param([string[]] $Bucket = @('lab-archive'))
    $script_ = Join-Path $script:RepoRoot 'tests/s3server/node_modules/s3rver/bin/s3rver.js'
    if (-not (Test-Path -LiteralPath $script_)) {
        & npm ci --prefix (Join-Path $script:RepoRoot 'tests/s3server') --no-audit --no-fund --loglevel=error | Out-Null
    }
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $data = New-TestDirectory 's3rver'
    $arguments = @($script_, '--directory', $data, '--address', '127.0.0.1', '--port', $port, '--silent') + @($Bucket | ForEach-Object { '--configure-bucket', $_ })
    $process = Start-Process -FilePath node -ArgumentList $arguments -PassThru -RedirectStandardOutput (Join-Path $data '.out') -RedirectStandardError (Join-Path $data '.err')
    $deadline = [datetime]::UtcNow.AddSeconds(30)
    while ($true) {
        try { $client = [Net.Sockets.TcpClient]::new('127.0.0.1', $port); $client.Dispose(); break }
        catch { if ([datetime]::UtcNow -gt $deadline -or $process.HasExited) { throw "s3rver did not start on port $port" }; Start-Sleep -Milliseconds 100 }
    }
    [pscustomobject]@{ Process = $process; Endpoint = "http://127.0.0.1:$port"; Data = $data }
}

function Stop-S3Server($Server) {
    if ($Server -and -not $Server.Process.HasExited) { $Server.Process.Kill($true); $Server.Process.WaitForExit() }
}

<#
.SYNOPSIS
    A config file for the embedded broker and an S3 server: [broker], quick group timing, [s3].
#>
function New-TestConfig {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $BootstrapServers, $S3)
    $text = "[broker]`nbootstrap.servers = $BootstrapServers`n[consumer]`nsession.timeout.ms = 6000`nheartbeat.interval.ms = 1000`n"
    if ($S3) { $text += "[s3]`naccess_key_id = S3RVER`nsecret_key_id = S3RVER`nendpoint_url = $($S3.Endpoint)`nregion = us-east-1`n" }
    Set-Content -LiteralPath $Path -Value $text
    $Path
}

Export-ModuleMember -Function *
