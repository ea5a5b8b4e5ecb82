// the portal's bundle expects a configuration object that never arrived
window.portalConfig.init();
document.getElementById('app').innerHTML = '<form><input type="password"></form>';
