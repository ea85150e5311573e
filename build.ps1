#Requires -Version 5.1
<#
.SYNOPSIS
    Builds the OpenMsiStream module and CLI, and optionally runs the tests.
.DESCRIPTION
    A convenience wrapper over dotnet for people who have PowerShell. The real work is in MSBuild:
    building src/OpenMsiStream.PowerShell lays the module out in out/OpenMsiStream/, exactly as users
    receive it, with its Get-Help, and packs it into out/packages/OpenMsiStream.<version>.nupkg; building
    src/OpenMsiStream.Cli also makes out/packages/OpenMsiStream.Cli.<version>.nupkg (a dotnet tool).
    -Test runs `dotnet test OpenMsiStream.slnx`, the same command CI runs (see .ci/run): the xunit suites
    and the Pester suite in pwsh 7.6.10 (the dotnet tool pinned in dotnet-tools.json).
.EXAMPLE
    ./build.ps1
    Builds the module into out/OpenMsiStream and the CLI; then: Import-Module ./out/OpenMsiStream
.EXAMPLE
    ./build.ps1 -Test
    Also runs the tests: the xunit suites and the Pester suite (tests/Pester) in a real pwsh.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [switch] $Test
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

Invoke-Dotnet build src/OpenMsiStream.PowerShell -c $Configuration
Invoke-Dotnet build src/OpenMsiStream.Cli -c $Configuration
Write-Host "Module: $(Join-Path $PSScriptRoot 'out/OpenMsiStream')"
Write-Host "Packages (install from this folder, see README.md 'Install'): $(Join-Path $PSScriptRoot 'out/packages')"

if ($Test) {
    if ($Configuration -ne 'Debug') {
        # Tutorial 5 runs examples/XrdPlot from bin/Debug, as it tells readers to build it; the tests run the tutorials.
        Invoke-Dotnet build examples/XrdPlot
    }
    # The Pester suite is part of it: tests/Pester/OpenMsiStream.Pester.Tests starts the pinned pwsh.
    Invoke-Dotnet test OpenMsiStream.slnx -c $Configuration
}
