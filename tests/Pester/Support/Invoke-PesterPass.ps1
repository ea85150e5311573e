<#
    One pass of the Pester suite, in a pwsh started by ../Invoke-PesterSuite.ps1 with a temporary home.
    Installed: the module package is installed with PSResourceGet from a folder repository, as the
    README tells users, and the suite runs against that copy.
#>
param(
    [Parameter(Mandatory)] [ValidateSet('LaidOut', 'Installed')] [string] $Pass,
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $LaidOutManifest,
    [Parameter(Mandatory)] [string] $PackageFolder,
    # Test files, separated by [IO.Path]::PathSeparator (a -File script takes one string).
    [Parameter(Mandatory)] [string] $Path,
    [string] $Output = 'Normal'
)

$ErrorActionPreference = 'Stop'
$manifest = $LaidOutManifest
if ($Pass -eq 'Installed') {
    $version = (Import-PowerShellDataFile -LiteralPath $LaidOutManifest).ModuleVersion
    Register-PSResourceRepository -Name OpenMsiStreamBuild -Uri $PackageFolder -Trusted
    Install-PSResource -Name OpenMsiStream -Version $version -Repository OpenMsiStreamBuild -Scope CurrentUser -TrustRepository -Quiet
    $installed = Get-Module -ListAvailable -Name OpenMsiStream | Where-Object { $_.Version -eq $version } | Select-Object -First 1
    if (-not $installed -or -not $installed.Path.StartsWith($HOME)) {
        throw "Install-PSResource did not install OpenMsiStream $version into the temporary home ($HOME): found '$($installed.Path)'."
    }
    $manifest = $installed.Path
    Write-Host "Installed with Install-PSResource: $manifest"
}
$env:OPENMSISTREAM_TEST_MODULE = $manifest

Import-Module -Name $PesterManifest -Force
$configuration = New-PesterConfiguration
$configuration.Run.Path = @($Path -split [IO.Path]::PathSeparator)
$configuration.Run.Exit = $true
if ($Pass -eq 'Installed') {
    # The documentation examples run once, against the laid-out module (Examples.Tests.ps1).
    $configuration.Filter.ExcludeTag = 'Documentation'
}
$configuration.Output.Verbosity = $Output
$configuration.Output.StackTraceVerbosity = 'Filtered'
$configuration.Should.ErrorAction = 'Stop'
if ([Console]::IsOutputRedirected) {
    $configuration.Output.RenderMode = 'Plaintext' # read by dotnet test and CI logs, not a terminal
}
Invoke-Pester -Configuration $configuration
