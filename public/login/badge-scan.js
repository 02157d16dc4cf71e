// « Scanner mon badge »: the camera is asked for only when the button is pressed; each frame
// is read by jsQR until a badge's QR code is found, then the interaction's badge form is
// posted (with its CSRF token). Without a camera or without script, the button stays hidden.
(function () {
  var section = document.getElementById('badge-scan');
  if (!section || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) return;
  var start = document.getElementById('badge-start');
  var stop = document.getElementById('badge-stop');
  var camera = document.getElementById('badge-camera');
  var video = document.getElementById('badge-video');
  var status = document.getElementById('badge-status');
  var form = document.getElementById('badge-form');
  var value = document.getElementById('badge-value');
  var canvas = document.createElement('canvas');
  var context = canvas.getContext('2d', { willReadFrequently: true });
  var stream = null;
  var BADGE = /\/badge#[A-Za-z0-9_-]{43}$/;
  section.hidden = false;

  function say(text) {
    status.textContent = text;
  }

  function end() {
    if (stream)
      stream.getTracks().forEach(function (t) {
        t.stop();
      });
    stream = null;
    camera.hidden = true;
    start.hidden = false;
  }

  function scan() {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
      if (found && BADGE.test(found.data)) {
        value.value = found.data;
        say('Badge lu, connexion…');
        end();
        form.submit();
        return;
      }
      if (found) say('Ce code QR n’est pas un badge de l’ENT.');
    }
    window.requestAnimationFrame(scan);
  }

  start.addEventListener('click', function () {
    say('Montre ton badge à la caméra.');
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        camera.hidden = false;
        start.hidden = true;
        stop.focus();
        return video.play();
      })
      .then(function () {
        window.requestAnimationFrame(scan);
      })
      .catch(function () {
        end();
        say('La caméra n’est pas disponible. Demande de l’aide à ton enseignant.');
      });
  });
  stop.addEventListener('click', function () {
    end();
    say('');
    start.focus();
  });
})();
