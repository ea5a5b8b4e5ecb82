// renders the sign-in form, as single-page portals do
document.getElementById('app').innerHTML =
  '<h1>Sign in</h1><form method="post" action="/session">' +
  '<input name="username" autocomplete="username"><input type="password" name="password">' +
  '<button type="submit">Sign in</button></form>';
