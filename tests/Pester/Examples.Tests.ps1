#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Every example of Get-Help and every PowerShell block of the README that can run on this machine
    runs (not only binds), in a folder laid out as it assumes, against the embedded broker; the
    long-running ones are stopped after a few seconds. What cannot run here is named with the reason,
    and the list is pinned, so a new example cannot drop out of the test unnoticed.
    Runs in the laid-out pass only (tag Documentation).
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    Import-ModuleUnderTest | Out-Null
    . (Join-Path $PSScriptRoot 'Support/DocumentationExamples.ps1')
    $runnable = @(Get-DocumentationExamples | Where-Object { -not $_.Reason } | ForEach-Object { @{ Cmdlet = $_.Cmdlet; Number = $_.Number; Code = $_.Code } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    Import-ModuleUnderTest | Out-Null
    . (Join-Path $PSScriptRoot 'Support/DocumentationExamples.ps1')
    $all = Get-DocumentationExamples
    $script:runnable = @($all | Where-Object { -not $_.Reason })
    $script:notRunnable = @($all | Where-Object { $_.Reason })
    $script:s3 = Start-S3Server -Bucket lab-archive
    $work = New-TestDirectory 'examples'
    $examplesFile = Join-Path $work 'examples.json'
    ConvertTo-Json -InputObject @($runnable | Select-Object Cmdlet, Number, Code) -Depth 3 | Set-Content -LiteralPath $examplesFile
    $run = Invoke-Pwsh -WorkingDirectory $work -TimeoutSeconds 900 -Environment @{ OPENMSISTREAM_HOME = (Use-OwnHome) } -Script (
        "& '$((Join-Path $PSScriptRoot 'Support/Invoke-HelpExamples.ps1') -replace "'", "''")' -Module '$((Get-ModuleUnderTest) -replace "'", "''")' " +
        "-ExamplesFile '$examplesFile' -Work '$work' -Cli '$((Get-TestCli) -replace "'", "''")' -S3Endpoint '$($s3.Endpoint)'")
    $script:results = @{}
    foreach ($line in $run.Output -split "`n" | Where-Object { $_.StartsWith('{') }) {
        $result = $line | ConvertFrom-Json
        $results["$($result.Cmdlet)#$($result.Number)"] = $result
    }
    $script:runError = $run.Error
    $script:expectedNotRunnable = 29
}

AfterAll {
    Stop-S3Server $s3
}

# Tagged: the installed-package pass leaves these out (the same files as the laid-out module, and four
# minutes of examples once is enough).
Describe 'Help and README examples' -Tag 'Documentation' {
    It '<Cmdlet> example <Number> runs here without an error' -ForEach $runnable {
        $result = $results["$Cmdlet#$Number"]
        $result | Should -Not -BeNullOrEmpty -Because "the example ran ($runError)"
        $result.State | Should -BeIn 'Completed', 'StillRunning' -Because "the example:`n$Code`nended as $($result.State): $($result.Errors -join '; ')"
        $result.Errors | Should -BeNullOrEmpty -Because "the example:`n$Code"
    }

    It 'what cannot run here is named, with its reason' {
        $listed = $notRunnable | ForEach-Object { "$($_.Cmdlet) #$($_.Number): $($_.Reason)" }
        Write-Host ("Examples that cannot run here:`n  " + ($listed -join "`n  "))
        # Pinned: a new example that cannot run here is a decision to look at, not a silent gap.
        $notRunnable.Count | Should -Be $expectedNotRunnable
        $runnable.Count | Should -BeGreaterThan $notRunnable.Count
    }
}
