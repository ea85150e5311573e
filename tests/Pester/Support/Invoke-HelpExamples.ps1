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
    $stamp = 'received_on_Dec_07_2026_at_06_00_00_000000'
    [IO.File]::WriteAllBytes("$Path/incoming/ENCRYPTED_MESSAGES/encrypted_message_from_lab_$($stamp)_key.bin", [byte[]](1, 2))
    [IO.File]::WriteAllBytes("$Path/incoming/ENCRYPTED_MESSAGES/encrypted_message_from_lab_$($stamp)_value.bin", [byte[]](3, 4))
}

function Initialize-Broker {
    if (Get-MsiLocalBroker) { Stop-MsiLocalBroker }
    $broker = Start-MsiLocalBroker -Topic lab, xrd, results, heartbeats, xrd-results, xrd-metadata -Partitions 2
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

$broker = Initialize-Broker
foreach ($example in $examples) {
    $folder = Join-Path $Work ('{0}-{1}' -f $example.Cmdlet, $example.Number)
    $startsBroker = $example.Code -match 'Start-MsiLocalBroker'
    if ($startsBroker -and (Get-MsiLocalBroker)) { Stop-MsiLocalBroker } # the example starts its own
    New-Workspace $folder ($startsBroker ? '127.0.0.1:9' : $broker.BootstrapServers)
    Push-Location -LiteralPath $folder
    if ($example.Code -match 'Get-MsiUploadState' -and $example.Code -notmatch 'Start-MsiUploadDirectory') {
        # "What happened" examples read the record of an earlier upload of ./export.
        Start-MsiUploadDirectory ./export -Topic lab -Config ./lab.config -UploadExisting -SettleTime 1 -Duration 4 | Out-Null
    }
    $job = Start-ThreadJob -ScriptBlock ([scriptblock]::Create("Import-Module '$($Module -replace "'", "''")'`n" + $example.Code))
    $ended = Wait-Job $job -Timeout $Seconds
    $state = if ($ended) { $job.State } else { 'StillRunning' }
    if (-not $ended) { Stop-Job $job }
    $null = Receive-Job $job -ErrorVariable problems -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 6>$null
    $reason = $job.ChildJobs.JobStateInfo.Reason | Where-Object { $_ } | ForEach-Object { $_.Message }
    Remove-Job $job -Force
    Pop-Location
    [pscustomobject]@{
        Cmdlet = $example.Cmdlet
        Number = $example.Number
        State  = "$state"
        Errors = @($problems | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }) + @($reason)
    } | ConvertTo-Json -Compress
    # An example that started its own broker, or stopped this one: the next examples need theirs back.
    $running = Get-MsiLocalBroker
    if (-not $running -or $running.BootstrapServers -ne $broker.BootstrapServers) { $broker = Initialize-Broker }
}
