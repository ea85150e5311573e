#Requires -Version 5.1
<#
.SYNOPSIS
    Builds the OpenMsiStream module and CLI, and optionally runs the tests.
.DESCRIPTION
    A convenience wrapper over dotnet for people who have PowerShell. The real work is in MSBuild:
    building src/OpenMsiStream.PowerShell lays the module out in out/OpenMsiStream/, exactly as users
    receive it, with its Get-Help, and packs it into out/packages/OpenMsiStream.<version>.nupkg; building
    src/OpenMsiStream.Cli also makes out/packages/OpenMsiStream.Cli.<version>.nupkg (a dotnet tool).
    CI does not need PowerShell; it runs `dotnet test OpenMsiStream.slnx` (see .ci/run).
.EXAMPLE
    ./build.ps1
    Builds the module into out/OpenMsiStream and the CLI; then: Import-Module ./out/OpenMsiStream
.EXAMPLE
    ./build.ps1 -Test
    Also runs the xunit suite and, when Pester 5 is installed, the Pester tests in tests/Pester.
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
    Invoke-Dotnet test OpenMsiStream.slnx -c $Configuration
    if (Get-Module -ListAvailable -Name Pester | Where-Object Version -ge '5.0') {
        # A fresh process, so the module under test is the laid-out one and nothing is cached.
        $pwsh = (Get-Process -Id $PID).Path
        & $pwsh -NoProfile -Command "Invoke-Pester -Path '$PSScriptRoot/tests/Pester' -CI"
        if ($LASTEXITCODE -ne 0) { throw 'Pester tests failed.' }
    }
    else {
        Write-Warning 'Pester 5 is not installed; skipped tests/Pester (the hosted-engine xunit tests cover the same behaviour).'
    }
}
