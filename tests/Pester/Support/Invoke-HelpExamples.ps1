<#
    Runs help examples of the module the way a reader would paste them, each in a folder of its own laid
    out like the examples assume (./lab.config naming the embedded broker, ./scans, ./export, ./incoming,
    data already on the topics lab and xrd, heartbeats from xrd-upload, the service xrd-upload in a
    staged root). Each example runs in a thread job and is stopped after -Seconds if it is still
    running (the long-running cmdlets run until Ctrl+C). Writes one JSON line per example: its cmdlet,
    number, how it ended and the errors it wrote. Used by ../Examples.Tests.ps1, in a pwsh of its own.
#>
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $ExamplesFile,
    [Parameter(Mandatory)] [string] $Work,
    [Parameter(Mandatory)] [string] $Cli,
    [Parameter(Mandatory)] [string] $S3Endpoint,
    [double] $Seconds = 8
)

$ErrorActionPreference = 'Stop'
Import-Module $Module
$examples = Get-Content -Raw -LiteralPath $ExamplesFile | ConvertFrom-Json
$env:OPENMSISTREAM_SERVICE_ROOT = Join-Path $Work 'service-root'
$env:OPENMSISTREAM_CLI = $Cli
# What a reader who registers a service with -Environment AWS_* has in the session.
$env:AWS_ACCESS_KEY_ID = 'S3RVER'
$env:AWS_SECRET_ACCESS_KEY = 'S3RVER'
New-Item -ItemType Directory -Force $env:OPENMSISTREAM_SERVICE_ROOT | Out-Null

function New-Workspace([string] $Path, [string] $Servers) {
    New-Item -ItemType Directory -Force $Path, "$Path/scans", "$Path/export/run1", "$Path/data", "$Path/run [3]", "$Path/incoming/ENCRYPTED_MESSAGES", "$Path/nodes" | Out-Null
    $config = "[broker]`nbootstrap.servers = $Servers`n[consumer]`nsession.timeout.ms = 6000`nheartbeat.interval.ms = 1000`n" +
        "[s3]`naccess_key_id = S3RVER`nsecret_key_id = S3RVER`nendpoint_url = $S3Endpoint`nregion = us-east-1`n"
    Set-Content -LiteralPath "$Path/lab.config" -Value $config
    Set-Content -LiteralPath "$Path/nodes/archiver.config" -Value $config
    'x,y', '1,2' | Set-Content -LiteralPath "$Path/scans/a.csv"
    'x,y', '3,4' | Set-Content -LiteralPath "$Path/scans/b.csv"
    'x,y', '5,6' | Set-Content -LiteralPath "$Path/data/c.csv"
    [IO.File]::WriteAllBytes("$Path/scans/c.raw", [byte[]](1..200))
    [IO.File]::WriteAllBytes("$Path/scan.raw", [byte[]](1..100))
    [IO.File]::WriteAllBytes("$Path/export/run1/scan.raw", [byte[]](1..50))
    'a,b' | Set-Content -LiteralPath "$Path/export/x.csv"
    [IO.File]::WriteAllBytes("$Path/run [3]/frame 0001.tif", [byte[]](1..30))
    Set-Content -LiteralPath "$Path/analyze.py" -Value "import json, sys, os`nprint(json.dumps({'bytes': os.path.getsize(sys.argv[1])}))"
    # A checkout's built module, for "Import-Module ./out/OpenMsiStream/OpenMsiStream.psd1".
    New-Item -ItemType Directory -Force "$Path/out" | Out-Null
    if (-not (Test-Path -LiteralPath "$Path/out/OpenMsiStream")) {
        New-Item -ItemType SymbolicLink -Path "$Path/out/OpenMsiStream" -Target (Split-Path -Parent $Module) | Out-Null
    }
    # A message kept by a consumer that could not decrypt it, from a topic of its own (sent back there,
    # it must not meet the examples that read lab).
    $stamp = 'received_on_Dec_07_2026_at_06_00_00_000000'
    [IO.File]::WriteAllBytes("$Path/incoming/ENCRYPTED_MESSAGES/encrypted_message_from_undecryptable_$($stamp)_key.bin", [byte[]](1, 2))
    [IO.File]::WriteAllBytes("$Path/incoming/ENCRYPTED_MESSAGES/encrypted_message_from_undecryptable_$($stamp)_value.bin", [byte[]](3, 4))
}

function Initialize-Broker {
    if (Get-MsiLocalBroker) { Stop-MsiLocalBroker }
    $broker = Start-MsiLocalBroker -Topic lab, xrd, results, heartbeats, xrd-results, xrd-metadata, undecryptable -Partitions 2
    $seed = Join-Path $Work ('seed-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
    New-Workspace $seed $broker.BootstrapServers
    Send-MsiDataFile -Path "$seed/scans/*" -Topic lab | Out-Null
    Send-MsiDataFile -Path "$seed/scans/*.csv" -Topic xrd | Out-Null
    Receive-MsiDataFile -Topic results -IdleTimeout 1 -HeartbeatTopic heartbeats -ProgramId xrd-upload -WarningAction SilentlyContinue | Out-Null
    $broker
}

# Registered services, as the service examples assume (in the staged root: nothing reaches this machine's systemd).
Register-MsiService xrd-upload -Scope User -CliPath $Cli -ArgumentList 'upload-directory', $Work, '--topic', 'lab', '--bootstrap-servers', '127.0.0.1:9' | Out-Null
Register-MsiService xrd-upload -Scope System -RunAs root -CliPath $Cli -ArgumentList 'upload-directory', $Work, '--topic', 'lab', '--bootstrap-servers', '127.0.0.1:9' | Out-Null

function Start-Example($Example, $Broker) {
    $folder = Join-Path $Work ('{0}-{1}' -f $Example.Cmdlet, $Example.Number)
    New-Workspace $folder ($Example.Code -match 'Start-MsiLocalBroker' ? '127.0.0.1:9' : $Broker.BootstrapServers)
    Push-Location -LiteralPath $folder # a thread job starts in the current location
    try {
        if ($Example.Code -match 'Get-MsiUploadState' -and $Example.Code -notmatch 'Start-MsiUploadDirectory') {
            # "What happened" examples read the record of an earlier upload of ./export.
            Start-MsiUploadDirectory ./export -Topic lab -Config ./lab.config -UploadExisting -SettleTime 1 -Duration 4 | Out-Null
        }
        $job = Start-ThreadJob -ScriptBlock ([scriptblock]::Create("Import-Module '$($Module -replace "'", "''")'`n" + $Example.Code))
    }
    finally {
        Pop-Location
    }
    [pscustomobject]@{ Example = $Example; Job = $job; Started = [datetime]::UtcNow }
}

function Complete-Example($Running) {
    $left = $Seconds - ([datetime]::UtcNow - $Running.Started).TotalSeconds
    $ended = Wait-Job $Running.Job -Timeout ([math]::Max(0, [math]::Ceiling($left)))
    $state = if ($ended) { $Running.Job.State } else { 'StillRunning' }
    if (-not $ended) { Stop-Job $Running.Job }
    $null = Receive-Job $Running.Job -ErrorVariable problems -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 6>$null
    $reason = $Running.Job.ChildJobs.JobStateInfo.Reason | Where-Object { $_ } | ForEach-Object { $_.Message }
    Remove-Job $Running.Job -Force
    [pscustomobject]@{
        Cmdlet = $Running.Example.Cmdlet
        Number = $Running.Example.Number
        State  = "$state"
        Errors = @($problems | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }) + @($reason)
    } | ConvertTo-Json -Compress
}

# Examples that share the session's broker run four at a time (most of their time is waiting for
# messages); those that start or stop the embedded broker run alone, each followed by a fresh broker.
$broker = Initialize-Broker
$alone = @($examples | Where-Object { $_.Code -match 'Start-MsiLocalBroker|Stop-MsiLocalBroker' })
# By number first: the examples of one cmdlet (which may share a default state directory, such as two
# S3 transfers of one bucket) never run side by side.
$shared = @($examples | Where-Object { $_.Code -notmatch 'Start-MsiLocalBroker|Stop-MsiLocalBroker' } | Sort-Object Number, Cmdlet)
for ($i = 0; $i -lt $shared.Count; $i += 4) {
    $batch = @($shared[$i..([math]::Min($i + 3, $shared.Count - 1))] | ForEach-Object { Start-Example $_ $broker })
    $batch | ForEach-Object { Complete-Example $_ }
}
foreach ($example in $alone) {
    if (Get-MsiLocalBroker) { Stop-MsiLocalBroker } # the example starts its own, or stops the one it finds
    if ($example.Code -notmatch 'Start-MsiLocalBroker') { $broker = Initialize-Broker }
    Complete-Example (Start-Example $example $broker)
    $broker = Initialize-Broker
}
