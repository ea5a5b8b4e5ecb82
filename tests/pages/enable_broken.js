// the portal's settings never arrived: the script stops before enabling the sign-in button
var settings = portalSettings.load();
document.addEventListener('DOMContentLoaded', () => { document.getElementById('sign-in').disabled = false; });
