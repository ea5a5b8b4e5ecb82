// the sign-in button stays disabled until the portal's script is ready
document.addEventListener('DOMContentLoaded', () => { document.getElementById('sign-in').disabled = false; });
