<#
    One scenario of DependencyIsolation.Tests.ps1, run in a fresh pwsh (assemblies cannot be unloaded,
    so each order of loading needs a process of its own):

      OthersFirst  other modules' copies are loaded and used, then the module is imported and used,
                   then the other copies are used again;
      ModuleFirst  the module is imported and used, then the other copies are loaded and used, then
                   the module is used again.

    "Used" for the module: send and receive through the embedded broker (Confluent.Kafka, librdkafka,
    MessagePack), with a log file (Serilog); a script-block processor writing result messages
    (System.Text.Json) with its record in SQLite; an S3 transfer to s3rver (AWSSDK), checked against
    the bytes s3rver stored; encrypted send and receive between two new KafkaCrypto nodes (libsodium).
    Config files are read through Microsoft.Extensions.Configuration.Ini.
    Writes everything it saw to -ResultPath as JSON; the Pester file asserts on it.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [ValidateSet('OthersFirst', 'ModuleFirst')] [string] $Order,
    # JSON: [{ Name, Files: [paths], Context: 'Default'|'Own', Probe: script text }]
    [Parameter(Mandatory)] [string] $CopiesPath,
    [Parameter(Mandatory)] [string] $S3Endpoint,
    [Parameter(Mandatory)] [string] $S3DataDirectory,
    [Parameter(Mandatory)] [string] $Bucket,
    [Parameter(Mandatory)] [string] $WorkDirectory,
    [Parameter(Mandatory)] [string] $ResultPath
)

$ErrorActionPreference = 'Stop'
$copies = Get-Content -LiteralPath $CopiesPath -Raw | ConvertFrom-Json
$result = [ordered]@{ Order = $Order; Others = [ordered]@{}; Rounds = [System.Collections.Generic.List[object]]::new() }
$random = [Random]::new(15)
# The host's trusted platform assemblies: the .NET runtime's and PowerShell's own.
$platformAssemblies = [AppContext]::GetData('TRUSTED_PLATFORM_ASSEMBLIES') -split [IO.Path]::PathSeparator

function Get-Sha512([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA512).Hash.ToLowerInvariant() }

function New-DataFile([string] $Path, [int] $Length) {
    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Path) | Out-Null
    $bytes = [byte[]]::new($Length)
    $random.NextBytes($bytes)
    [IO.File]::WriteAllBytes($Path, $bytes)
}

function Add-Text([string] $Path, [string] $Text) { [IO.File]::AppendAllText($Path, $Text) }

<# Loads each other copy the way a module that ships it would: Add-Type -Path (the default context),
   or a load context of that module's own. #>
function Import-OtherCopies {
    foreach ($copy in $copies) {
        if ($copy.Context -eq 'Default') {
            Add-Type -Path $copy.Files
            $script:loaded[$copy.Name] = $null
        }
        else {
            $context = [System.Runtime.Loader.AssemblyLoadContext]::new('other module: ' + $copy.Name)
            $assemblies = foreach ($file in $copy.Files) { $context.LoadFromAssemblyPath($file) }
            $script:loaded[$copy.Name] = $assemblies[0]
        }
    }
}
$script:loaded = @{}

<# Calls something on every other copy; records the answer and the assembly that answered. #>
function Test-OtherCopies([string] $When) {
    foreach ($copy in $copies) {
        $probe = [scriptblock]::Create($copy.Probe)
        $entry = [ordered]@{ When = $When }
        try {
            $answer = & $probe $script:loaded[$copy.Name]
            $entry.Result = [string]$answer.Result
            $entry.Location = $answer.Assembly.Location
            $entry.Version = $answer.Assembly.GetName().Version.ToString()
            $entry.Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($answer.Assembly).ToString()
            $entry.Platform = $platformAssemblies -contains $answer.Assembly.Location
        }
        catch {
            $entry.Error = $_.Exception.ToString()
        }
        if (-not $result.Others.Contains($copy.Name)) { $result.Others[$copy.Name] = [System.Collections.Generic.List[object]]::new() }
        $result.Others[$copy.Name].Add($entry)
    }
}

function Invoke-Step([System.Collections.IDictionary] $Round, [string] $Name, [scriptblock] $Body) {
    try { $Round[$Name] = & $Body }
    catch { $Round[$Name] = [ordered]@{ Error = $_.Exception.ToString(); Id = $_.FullyQualifiedErrorId } }
}

function Use-Module([string] $Label) {
    $round = [ordered]@{ Label = $Label }
    $id = $Label + '-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $source = Join-Path $WorkDirectory "source-$Label"
    New-DataFile (Join-Path $source 'scan 01.raw') 300000
    New-DataFile (Join-Path $source 'sub dir/Größe; µm.csv') 1200
    $expected = [ordered]@{}
    foreach ($file in Get-ChildItem -LiteralPath $source -File -Recurse) {
        $expected[[IO.Path]::GetRelativePath($source, $file.FullName).Replace('\', '/')] = Get-Sha512 $file.FullName
    }
    $round.Expected = $expected
    $topic = "iso-$id"

    Invoke-Step $round 'Send' {
        $sent = Get-ChildItem -LiteralPath $source -File -Recurse | Send-MsiDataFile -Topic $topic -RootDirectory $source -Config $brokerConfig
        @{ Count = @($sent).Count; Sha512 = @($sent | ForEach-Object { $_.Sha512 } | Sort-Object) }
    }

    Invoke-Step $round 'Receive' {
        $output = Join-Path $WorkDirectory "received-$Label"
        $log = Join-Path $WorkDirectory "receive-$Label.log"
        $received = Receive-MsiDataFile -Topic $topic -OutputDirectory $output -Count 2 -IdleTimeout 60 -GroupId "receive-$id" -Config $brokerConfig -LogFile $log -LogLevel Information
        $files = [ordered]@{}
        foreach ($file in $received) { $files[$file.RelativePath] = Get-Sha512 $file.FullName }
        @{ Files = $files; LogLines = @(Get-Content -LiteralPath $log -ErrorAction SilentlyContinue).Count }
    }

    Invoke-Step $round 'Processor' {
        $processed = Invoke-MsiStreamProcessor -Topic $topic -GroupId "processor-$id" -StateDirectory (Join-Path $WorkDirectory "processor-$Label") `
            -ResultTopic "$topic-results" -Count 2 -IdleTimeout 60 -Config $brokerConfig -ScriptBlock {
                param($File)
                [pscustomobject]@{ Name = $File.RelativePath; Length = $File.Bytes.Length; When = [datetime]'2026-12-07T10:00:00Z' }
            }
        @{ Processed = @($processed | ForEach-Object { '{0}|{1}|{2}' -f $_.RelativePath, $_.Status, ($_.Output | ConvertTo-Json -Compress -Depth 3) } | Sort-Object) }
    }

    Invoke-Step $round 'S3' {
        $transfers = Start-MsiS3Transfer -Topic $topic -Bucket $Bucket -Config $s3Config -GroupId "s3-$id" -StateDirectory (Join-Path $WorkDirectory "s3-$Label") -Count 2 -IdleTimeout 60
        $stored = [ordered]@{}
        foreach ($transfer in $transfers) {
            $object = Join-Path $S3DataDirectory ("$Bucket/" + $transfer.Key + '._S3rver_object')
            $stored[$transfer.RelativePath] = @{ Status = [string]$transfer.Status; Sha512 = if (Test-Path -LiteralPath $object) { Get-Sha512 $object } else { 'missing: ' + $object } }
        }
        $stored
    }

    Invoke-Step $round 'Encrypted' {
        $root = 'enc' + $id.Replace('-', '')
        $password = ConvertTo-SecureString 'isolation-test-password' -AsPlainText -Force
        $nodes = Join-Path $WorkDirectory "nodes-$Label"
        New-MsiCryptoNode -NodeId "prod_$($id.Replace('-', ''))" -Role Producer -Topic $root -Path $nodes -RootOfTrustPassword $password -ProvisionerPassword $password | Out-Null
        New-MsiCryptoNode -NodeId "cons_$($id.Replace('-', ''))" -Role Consumer -Topic $root -Path $nodes -RootOfTrustPassword $password -ProvisionerPassword $password | Out-Null
        $producerConfig = Join-Path $nodes 'producer.config'
        $consumerConfig = Join-Path $nodes 'consumer.config'
        Copy-Item -LiteralPath $brokerConfig -Destination $producerConfig
        Copy-Item -LiteralPath $brokerConfig -Destination $consumerConfig
        Add-Text $producerConfig "`n[kafkacrypto]`nnode_id = prod_$($id.Replace('-', ''))`n"
        Add-Text $consumerConfig "`n[kafkacrypto]`nnode_id = cons_$($id.Replace('-', ''))`n"
        $secret = Join-Path $source 'scan 01.raw'
        $sent = Send-MsiDataFile -Path $secret -Topic "$root.xrd" -Config $producerConfig
        $received = Receive-MsiDataFile -Topic "$root.xrd" -OutputDirectory (Join-Path $WorkDirectory "decrypted-$Label") -Count 1 -IdleTimeout 60 -GroupId "decrypt-$id" -Config $consumerConfig
        @{ Sent = $sent.Sha512; Received = if ($received) { Get-Sha512 $received.FullName } else { $null }; Expected = Get-Sha512 $secret }
    }
    $result.Rounds.Add($round)
}

<# Where each of the module's assemblies was loaded, and where the third-party names it uses live in
   the default context. #>
function Get-LoadPicture {
    $picture = [ordered]@{ Module = [ordered]@{}; Default = [ordered]@{}; Native = @() }
    if (Test-Path -LiteralPath /proc/self/maps) {
        # Where the native libraries this process mapped came from (Linux).
        $picture.Native = @(Get-Content -LiteralPath /proc/self/maps | Where-Object { $_ -match '(librdkafka|e_sqlite3|libsodium)[^/]*\.so' } |
            ForEach-Object { ($_ -split '\s+', 6)[5] } | Sort-Object -Unique)
    }
    foreach ($assembly in [AppDomain]::CurrentDomain.GetAssemblies()) {
        if ($assembly.IsDynamic) { continue }
        $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly)
        $name = $assembly.GetName().Name
        if ($context.GetType().FullName -eq 'OpenMsiStream.PowerShell.Loader.ModuleLoadContext') {
            $picture.Module[$name] = $assembly.Location
        }
        elseif ($context -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) {
            $picture.Default[$name] = $assembly.Location
        }
    }
    $picture
}

function Import-ModuleUnderTest {
    Import-Module $ModulePath -Global
    $script:broker = Start-MsiLocalBroker -Partitions 4 -ConfigPath (Join-Path $WorkDirectory 'broker.config')
    $script:brokerConfig = Join-Path $WorkDirectory 'broker.config'
    # The broker's config file already has short group timings ([consumer]), so each step's new group is quick.
    $script:s3Config = Join-Path $WorkDirectory 's3.config'
    Copy-Item -LiteralPath $brokerConfig -Destination $s3Config
    Add-Text $s3Config "`n[s3]`naccess_key_id = S3RVER`nsecret_key_id = S3RVER`nendpoint_url = $S3Endpoint`nregion = us-east-1`n"
}

try {
    if ($Order -eq 'OthersFirst') {
        Import-OtherCopies
        Test-OtherCopies 'before the module'
        Import-ModuleUnderTest
        Use-Module 'first'
        Test-OtherCopies 'after the module was used'
    }
    else {
        Import-ModuleUnderTest
        Use-Module 'first'
        Import-OtherCopies
        Test-OtherCopies 'after the module was used'
        Use-Module 'second'
        Test-OtherCopies 'after the module was used again'
    }
    $result.Loaded = Get-LoadPicture
}
catch {
    $result.Fatal = $_.Exception.ToString() + "`n" + $_.ScriptStackTrace
}
finally {
    if (Get-Command Stop-MsiLocalBroker -ErrorAction SilentlyContinue) { Stop-MsiLocalBroker -ErrorAction SilentlyContinue }
    $result | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $ResultPath -Encoding utf8NoBOM
}
