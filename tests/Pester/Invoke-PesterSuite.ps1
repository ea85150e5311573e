#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite (every *.Tests.ps1 in this folder) in fresh pwsh processes, each with a
    temporary home of its own.
.DESCRIPTION
    `dotnet test OpenMsiStream.slnx` runs this script (tests/Pester/PesterSuiteTests.cs) once per pass;
    run it yourself for a focused run, after a build:

        dotnet tool restore
        dotnet pwsh tests/Pester/Invoke-PesterSuite.ps1 -Path tests/Pester/Paths.Tests.ps1

    Passes:
      LaidOut    the module as built in out/OpenMsiStream.
      Installed  the package out/packages/OpenMsiStream.<version>.nupkg, installed with
                 Install-PSResource -Scope CurrentUser from a folder repository, in the temporary home.
    Each pass runs in a new pwsh whose HOME, XDG_* folders and LOCALAPPDATA are a temporary directory,
    so neither the tests nor PowerShell itself read or write the real profile; the script fails when
    anything was written into the real profile's OpenMsiStream or PowerShell module folders anyway.
    The test files find the module under test in $env:OPENMSISTREAM_TEST_MODULE and the built
    openmsistream command in $env:OPENMSISTREAM_TEST_CLI.
#>
[CmdletBinding()]
param(
    [ValidateSet('LaidOut', 'Installed', 'Both')]
    [string] $Pass = 'Both',

    # Test files; default: every *.Tests.ps1 in this folder.
    [string[]] $Path,

    # Pester's manifest; default: Pester 5.7.1 in the NuGet cache (restored by building tests/Pester).
    [string] $PesterManifest,

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $Output = 'Normal'
)

$ErrorActionPreference = 'Stop'
$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$realHome = [Environment]::GetEnvironmentVariable('HOME') ?? [Environment]::GetFolderPath('UserProfile')
$nugetRoot = $env:NUGET_PACKAGES ? $env:NUGET_PACKAGES : (Join-Path $realHome '.nuget/packages')
if (-not $PesterManifest) {
    $PesterManifest = Join-Path $nugetRoot 'pester/5.7.1/tools/Pester.psd1'
}
if (-not (Test-Path -LiteralPath $PesterManifest)) {
    throw "Pester 5.7.1 is not in the NuGet cache ($PesterManifest): build tests/Pester first (dotnet build tests/Pester)."
}
$files = if ($Path) { $Path | ForEach-Object { (Resolve-Path -LiteralPath $_).ProviderPath } } else { (Get-ChildItem -LiteralPath $PSScriptRoot -Filter '*.Tests.ps1' -File | Sort-Object Name).FullName }
$laidOut = Join-Path $repoRoot 'out/OpenMsiStream/OpenMsiStream.psd1'
if (-not (Test-Path -LiteralPath $laidOut)) {
    throw "The laid-out module is missing ($laidOut): build first (dotnet build src/OpenMsiStream.PowerShell)."
}
$cli = Join-Path $repoRoot "src/OpenMsiStream.Cli/bin/$Configuration/net10.0/openmsistream"

# The pwsh that runs this script, started again: `dotnet <PSHOME>/pwsh.dll` for the dotnet tool.
$pwsh = [Environment]::ProcessPath
$pwshArguments = @()
if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') {
    $pwshArguments = @(Join-Path $PSHOME 'pwsh.dll')
}

# Folders of the real profile that the product or PowerShell would write, with what is in them now.
$guarded = '.local/share/OpenMsiStream', '.local/state/openmsistream', '.config/openmsistream', '.config/systemd/user',
    '.local/share/powershell/Modules', '.local/share/PSResourceGet' | ForEach-Object { Join-Path $realHome $_ }
function Get-ProfileState {
    $state = @{}
    foreach ($folder in $guarded | Where-Object { Test-Path -LiteralPath $_ }) {
        foreach ($item in @(Get-Item -LiteralPath $folder -Force) + @(Get-ChildItem -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue)) {
            $state[$item.FullName] = '{0}|{1}' -f $item.LastWriteTimeUtc.Ticks, ($item -is [IO.FileInfo] ? $item.Length : 0)
        }
    }
    $state
}
$before = Get-ProfileState
$started = [DateTime]::UtcNow

$failed = 0
$passes = if ($Pass -eq 'Both') { 'LaidOut', 'Installed' } else { @($Pass) }
foreach ($current in $passes) {
    $temp = Join-Path ([IO.Path]::GetTempPath()) ('openmsistream-pester-' + $current.ToLowerInvariant() + '-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $passHome = Join-Path $temp 'home'
    $variables = [ordered]@{
        HOME                     = $passHome
        XDG_DATA_HOME            = Join-Path $passHome '.local/share'
        XDG_CONFIG_HOME          = Join-Path $passHome '.config'
        XDG_STATE_HOME           = Join-Path $passHome '.local/state'
        XDG_CACHE_HOME           = Join-Path $passHome '.cache'
        LOCALAPPDATA             = Join-Path $passHome 'AppData/Local'
        OPENMSISTREAM_HOME       = $null
        NUGET_PACKAGES           = $nugetRoot
        DOTNET_NOLOGO            = '1'
        DOTNET_CLI_TELEMETRY_OPTOUT = '1'
        POWERSHELL_TELEMETRY_OPTOUT = '1'
        POWERSHELL_UPDATECHECK   = 'Off'
        OPENMSISTREAM_TEST_CLI   = $cli
        OPENMSISTREAM_TEST_REPO  = $repoRoot
        OPENMSISTREAM_TEST_PWSH  = (@($pwsh) + $pwshArguments) -join [IO.Path]::PathSeparator
        OPENMSISTREAM_TEST_TEMP  = Join-Path $temp 'work'
        # Plain text when a program reads the output (dotnet test, CI logs), not a terminal.
        NO_COLOR                 = if ([Console]::IsOutputRedirected) { '1' } else { $env:NO_COLOR }
    }
    $saved = @{}
    foreach ($name in $variables.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $variables[$name])
        if ($variables[$name] -and $name -match 'HOME$|LOCALAPPDATA|_TEMP$') { New-Item -ItemType Directory -Force -Path $variables[$name] | Out-Null }
    }
    try {
        Write-Host "Pester pass '$current': $(@($files).Count) files, home $passHome"
        & $pwsh @pwshArguments -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Support/Invoke-PesterPass.ps1') `
            -Pass $current -PesterManifest $PesterManifest -LaidOutManifest $laidOut -PackageFolder (Join-Path $repoRoot 'out/packages') `
            -Path ($files -join [IO.Path]::PathSeparator) -Output $Output
        if ($LASTEXITCODE -ne 0) {
            Write-Host "Pester pass '$current' failed (exit code $LASTEXITCODE)."
            $failed++
        }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
    }
}

$after = Get-ProfileState
$written = foreach ($key in $after.Keys) {
    if ($before[$key] -ne $after[$key] -and [datetime]::new([long]($after[$key] -split '\|')[0], 'Utc') -ge $started.AddSeconds(-2)) { $key }
}
if ($written) {
    # Only a run alone on the machine (CI) can tell its own writes from another checkout's test run.
    $alone = $env:CI -eq 'true' -or $env:OPENMSISTREAM_PROFILE_GUARD -eq 'strict'
    Write-Host "Written into the real profile ($realHome) while the Pester suite ran$(if (-not $alone) { ' (by this run or another program: not a failure outside CI)' }):"
    $written | Sort-Object | ForEach-Object { Write-Host "  $_" }
    if ($alone) { $failed++ }
}
exit $failed
