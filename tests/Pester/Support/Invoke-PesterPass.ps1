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
    # `dotnet test` of the solution can start this pass while the build still writes the package (seen in a
    # clean-clone CI run): wait until it is there, unchanged for 2 s, and a readable zip.
    $package = Join-Path $PackageFolder "OpenMsiStream.$version.nupkg"
    $deadline = [datetime]::UtcNow.AddMinutes(3)
    $last = $null
    while ($true) {
        $file = Get-Item -LiteralPath $package -ErrorAction SilentlyContinue
        $now = if ($file) { "$($file.Length)|$($file.LastWriteTimeUtc.Ticks)" }
        if ($now -and $now -eq $last) {
            try { Add-Type -AssemblyName System.IO.Compression.ZipFile; [IO.Compression.ZipFile]::OpenRead($package).Dispose(); break } catch { $now = $null }
        }
        if ([datetime]::UtcNow -gt $deadline) { throw "The build did not write the module package '$package' within 3 minutes." }
        $last = $now
        Start-Sleep -Seconds 2
    }
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
