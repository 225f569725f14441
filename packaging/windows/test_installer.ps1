# Smoke-test the Windows installer as a user gets it: silent install, the installed programs'
# --version and --self-test (the windowed one too), the organisation file in %ProgramData%, an
# upgrade over an install with a stale Qt file, and a silent uninstall.
# Start-Process -Wait -PassThru is used for every program: a windowed exe (and the installer) is not
# waited for when started directly, so its exit code would be lost.
# Usage: pwsh packaging/windows/test_installer.ps1 -Installer dist\SimBatch-0.1.0-setup.exe -Version 0.1.0
param(
    [Parameter(Mandatory = $true)][string]$Installer,
    [Parameter(Mandatory = $true)][string]$Version
)
$ErrorActionPreference = 'Stop'
$scratch = Join-Path ([System.IO.Path]::GetTempPath()) ("simbatch-install-test-" + [guid]::NewGuid())
$dir = Join-Path $scratch 'SimBatch'
New-Item -ItemType Directory -Force -Path $scratch | Out-Null
$env:SIMBATCH_HOME = Join-Path $scratch 'data'

function Invoke-Waited([string]$File, [string[]]$Arguments) {
    $process = Start-Process -FilePath $File -ArgumentList $Arguments -Wait -PassThru -NoNewWindow
    return $process.ExitCode
}

function Install-SimBatch([string]$Log) {
    $code = Invoke-Waited $Installer @('/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART',
        "/DIR=`"$dir`"", "/LOG=`"$Log`"")
    if ($code -ne 0) {
        Get-Content $Log -ErrorAction SilentlyContinue | Select-Object -Last 40
        throw "The installer exited with $code."
    }
}

function Test-SelfTest([string]$Program, [string]$Name) {
    $result = Join-Path $scratch "$Name.json"
    $code = Invoke-Waited (Join-Path $dir $Program) @('--self-test', '--self-test-result', "`"$result`"")
    if (-not (Test-Path $result)) { throw "$Program --self-test wrote no result file (exit $code)." }
    $report = Get-Content $result -Raw | ConvertFrom-Json
    foreach ($check in $report.checks) {
        $mark = if ($check.passed) { 'ok' } else { 'FAILED' }
        Write-Host "  $mark $($check.name): $($check.detail)"
    }
    if ($code -ne 0 -or -not $report.passed) { throw "$Program --self-test failed (exit $code)." }
    Write-Host "test-installer: ok: $Program --self-test, launch to window $($report.launch_to_window_sec) s"
    return $report
}

Install-SimBatch (Join-Path $scratch 'install.log')
foreach ($file in @('simbatch.exe', 'simbatch-gui.exe', 'unins000.exe')) {
    if (-not (Test-Path (Join-Path $dir $file))) { throw "The install has no $file." }
}
$shortcut = Join-Path ([Environment]::GetFolderPath('Programs')) 'SimBatch.lnk'
if (-not (Test-Path $shortcut)) { throw "No Start-menu shortcut at $shortcut." }
Write-Host 'test-installer: ok: silent install (programs, uninstaller, Start-menu shortcut)'

$printed = (& (Join-Path $dir 'simbatch.exe') --version | Out-String).Trim()
if ($printed -ne "simbatch $Version") { throw "simbatch --version printed '$printed'." }
Write-Host "test-installer: ok: $printed"

Test-SelfTest 'simbatch.exe' 'console' | Out-Null
$report = Test-SelfTest 'simbatch-gui.exe' 'windowed'
if (-not $report.frozen) { throw 'The self-test did not run from the frozen app.' }

# The organisation file IT deploys to %ProgramData%\SimBatch is picked up by the installed app.
$orgDir = Join-Path $env:ProgramData 'SimBatch'
$orgFile = Join-Path $orgDir 'simbatch-org.json'
New-Item -ItemType Directory -Force -Path $orgDir | Out-Null
'{"scenario_tab": "Master Scenario Convert", "locked": ["scenario_tab"]}' | Set-Content -Path $orgFile -Encoding utf8
try {
    $report = Test-SelfTest 'simbatch-gui.exe' 'organisation'
    $source = ($report.checks | Where-Object { $_.name -eq 'org_config' }).detail
    if ($source -notlike "*$orgFile*") { throw "The organisation file was not used: $source" }
    Write-Host "test-installer: ok: organisation file in $orgDir"
} finally {
    Remove-Item -Force $orgFile
}

# Upgrading over an earlier install removes its Qt binding first ([InstallDelete]).
$stale = Join-Path $dir '_internal\PySide6\stale-from-an-older-version.dll'
Set-Content -Path $stale -Value 'stale'
Install-SimBatch (Join-Path $scratch 'upgrade.log')
if (Test-Path $stale) { throw 'An upgrade left a stale file in the PySide6 folder.' }
Test-SelfTest 'simbatch-gui.exe' 'upgraded' | Out-Null
Write-Host 'test-installer: ok: upgrade replaces the PySide6 folder'

$code = Invoke-Waited (Join-Path $dir 'unins000.exe') @('/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART')
if ($code -ne 0) { throw "The uninstaller exited with $code." }
for ($i = 0; $i -lt 30 -and (Test-Path (Join-Path $dir 'simbatch-gui.exe')); $i++) { Start-Sleep -Seconds 1 }
if (Test-Path (Join-Path $dir 'simbatch-gui.exe')) { throw 'The uninstaller left the program behind.' }
Write-Host 'test-installer: all checks passed'
